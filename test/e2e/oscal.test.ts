import { expect } from 'chai';
import type { Express } from 'express';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import { oscalValidator } from '../../reports/oscal/schema-check.js';
import { createTestApp, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { runCli } from '../utils/process.js';
import { ajvErrors } from '../utils/oscal-ajv.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const controlIds = (doc: Json) => doc.catalog.groups.flatMap((g: Json) => g.controls.map((c: Json) => c.id));

describeEachEngine('OSCAL catalog and profile routes', (ctx) => {
  let app: Express;
  let auditor: Agent;
  before(async () => {
    app = await createTestApp(ctx.db);
    auditor = await signIn(app, 'auditor');
  });

  it('requires sign-in', async () => {
    await supertest(app).get('/api/v1/oscal/catalog?level=3').expect(401);
  });

  it('GET /oscal/catalog?level=3&sets=general,cloud: a valid OSCAL catalog of those sets, with the same UUIDs on every export', async () => {
    const a = (await auditor.get('/api/v1/oscal/catalog?level=3&sets=general,cloud').expect(200).expect('content-type', /json/)).body;
    expect(oscalValidator('catalog').validate(a)).to.deep.equal([]);
    expect(ajvErrors('catalog', a), 'ajv').to.deep.equal([]);
    const ids = controlIds(a);
    expect(ids).to.include('l3-ces1-cp-01').and.include('l3-cns2-cp-01');
    expect(ids.some((id: string) => /^l3-[a-z]+[345]-/.test(id))).to.equal(false);
    const b = (await auditor.get('/api/v1/oscal/catalog?sets=general,cloud&level=3').expect(200)).body;
    expect(b.catalog.uuid).to.equal(a.catalog.uuid);
  });

  it('GET /oscal/profile?level=3: a valid profile including every control point of level 3', async () => {
    const p = (await auditor.get('/api/v1/oscal/profile?level=3').expect(200)).body;
    expect(oscalValidator('profile').validate(p)).to.deep.equal([]);
    expect(ajvErrors('profile', p), 'ajv').to.deep.equal([]);
    const href = p.profile.imports[0].href as string;
    expect(href).to.match(/^\/api\/v1\/oscal\/catalog\?level=3&sets=/);
    const catalog = (await auditor.get(href).expect(200)).body;
    expect(p.profile.imports[0]['include-controls'][0]['with-ids']).to.have.members(controlIds(catalog));
  });

  it('refuses a bad level or set with 400 naming the field', async () => {
    const noLevel = await auditor.get('/api/v1/oscal/catalog').expect(400);
    expect(noLevel.body.error.details.map((d: Json) => d.path)).to.include('query.level');
    const badSet = await auditor.get('/api/v1/oscal/catalog?level=3&sets=general,space').expect(400);
    expect(badSet.body.error.details[0].path).to.match(/^query\.sets/);
    await auditor.get('/api/v1/oscal/profile?level=9').expect(400);
  });

  const upload = (doc: unknown, query = '?dryRun=1') =>
    auditor.post(`/api/v1/oscal/import${query}`).attach('file', Buffer.from(typeof doc === 'string' ? doc : JSON.stringify(doc)), { filename: 'catalog.json', contentType: 'application/json' });

  it('round trip: our own export imports back with zero differences against the catalogue', async function () {
    this.timeout(60_000);
    for (const q of ['level=3&sets=general,cloud', 'level=4']) {
      const doc = (await auditor.get(`/api/v1/oscal/catalog?${q}`).expect(200)).body;
      const res = await upload(doc).expect(200);
      expect(res.body, q).to.deep.include({ model: 'catalog', applied: false, differenceCount: 0, differences: [] });
      expect(res.body.units, q).to.equal(doc.catalog.groups.flatMap((g: Json) => g.controls.flatMap((c: Json) => c.parts[0].parts)).length);
    }
  });

  it('a changed, a removed and an invented unit are each reported with their code and field', async () => {
    const doc = (await auditor.get('/api/v1/oscal/catalog?level=3&sets=general').expect(200)).body;
    const ces = doc.catalog.groups.find((g: Json) => g.id === 'l3-ces');
    const items = ces.controls[0].parts[0].parts as Json[];
    items[1]!.prose = '被改过的要求';
    items[1]!.parts[0].prose = 'changed';
    const removed = items.splice(0, 1)[0]!;
    const invented = structuredClone(items[0]!);
    invented.id = 'l3-ces1-99';
    invented.props.find((p: Json) => p.name === 'unit-code').value = 'L3-CES1-99';
    items.push(invented);
    const res = await upload(doc).expect(200);
    const byKind = (kind: string) => res.body.differences.filter((d: Json) => d.kind === kind).map((d: Json) => `${d.code} ${d.field}`);
    expect(byKind('changed')).to.deep.equal(['L3-CES1-02 text.zh', 'L3-CES1-02 text.en']);
    expect(byKind('missing_unit')).to.deep.equal([`${removed.props.find((p: Json) => p.name === 'unit-code').value} code`]);
    expect(byKind('unknown_unit')).to.deep.equal(['L3-CES1-99 code']);
  });

  it('a document failing the OSCAL schema → 400 listing the schema errors by JSON path; bad JSON, another model or no dry run → 400', async () => {
    const doc = (await auditor.get('/api/v1/oscal/catalog?level=3&sets=cloud').expect(200)).body;
    delete doc.catalog.uuid;
    doc.catalog.groups[0].id = 'has space';
    doc.catalog.metadata['last-modified'] = '2026-11-30T00:00:00';
    const res = await upload(doc).expect(400);
    const paths = res.body.error.details.map((d: Json) => d.path);
    expect(paths).to.include.members(['$.catalog', '$.catalog.groups[0].id', '$.catalog.metadata.last-modified']);
    // ajv on the official schema agrees that the same three places are wrong.
    expect(ajvErrors('catalog', doc).join('\n')).to.contain("must have required property 'uuid'").and.to.contain('/catalog/groups/0/id').and.to.contain('/catalog/metadata/last-modified');
    expect(res.body.error.details.every((d: Json) => d.code === 'oscal_schema')).to.equal(true);
    // The schema's messages in the user's language: Chinese for zh-CN (ajv-i18n), English otherwise.
    const message = (r: { body: Json }, at: string) => r.body.error.details.filter((d: Json) => d.path === at).map((d: Json) => d.message).join(' | ');
    const zh = await upload(doc).set('accept-language', 'zh-CN').expect(400);
    expect(message(zh, '$.catalog')).to.equal('应当有必需属性 uuid');
    expect(message(zh, '$.catalog.groups[0].id')).to.match(/^应当匹配模式 "/);
    expect(zh.body.error.details.map((d: Json) => d.message).join('')).not.to.match(/\bmust\b/);
    const en = await upload(doc).set('accept-language', 'en').expect(400);
    expect(message(en, '$.catalog')).to.equal('must have required property uuid');
    expect(message(en, '$.catalog.metadata.last-modified')).to.contain('must match format "date-time"');
    const stray = await upload({ ...doc, catalog: { ...doc.catalog, uuid: '7b0f3c52-1d8e-4a6b-9c2f-5e4d3a2b1c0d', colour: 'red' } }).set('accept-language', 'zh-CN').expect(400);
    expect(message(stray, '$.catalog.colour')).to.equal('不允许有额外的属性');
    // Over 50 errors: the first 50.
    const many = (await auditor.get('/api/v1/oscal/catalog?level=3&sets=general').expect(200)).body;
    for (const g of many.catalog.groups) for (const c of g.controls) c.id = `bad id ${c.id}`;
    expect((await upload(many).expect(400)).body.error.details).to.have.length(50);
    expect((await upload('{"catalog": ').expect(400)).body.error.details[0]).to.include({ path: 'file', code: 'invalid_json' });
    expect((await upload({ profile: {} }).expect(400)).body.error.details[0]).to.include({ code: 'unsupported_oscal_model' });
    // A component-definition needs the platform it describes.
    const cd = { 'component-definition': { uuid: '7b0f3c52-1d8e-4a6b-9c2f-5e4d3a2b1c0d', metadata: { title: 't', 'last-modified': '2026-11-30T00:00:00Z', version: '1', 'oscal-version': '1.1.3' } } };
    expect((await upload(cd).expect(400)).body.error.details[0]).to.include({ path: 'query.platformId' });
    // A valid catalog without dryRun: catalogs are only compared, never applied.
    const valid = (await auditor.get('/api/v1/oscal/catalog?level=2&sets=cloud').expect(200)).body;
    expect((await upload(valid, '').expect(400)).body.error.details[0]).to.include({ path: 'query.dryRun', code: 'dry_run_only' });
  });
});

describe('dengbao oscal export', () => {
  it('writes the same catalog as the API to a file, and a profile to standard output', async function () {
    this.timeout(120_000);
    const dir = mkdtempSync(path.join(tmpdir(), 'dengbao-oscal-'));
    try {
      const out = path.join(dir, 'l3.json');
      const res = await runCli(['oscal', 'export', 'catalog', '--level', '3', '--sets', 'general,cloud', '--out', out], {});
      expect(res.code, res.stderr).to.equal(0);
      const doc = JSON.parse(readFileSync(out, 'utf8'));
      expect(oscalValidator('catalog').validate(doc)).to.deep.equal([]);
      expect(ajvErrors('catalog', doc), 'ajv').to.deep.equal([]);
      expect(controlIds(doc)).to.include('l3-cns2-cp-01');
      const profile = await runCli(['oscal', 'export', 'profile', '--level', '2'], {});
      expect(profile.code, profile.stderr).to.equal(0);
      expect(oscalValidator('profile').validate(JSON.parse(profile.stdout))).to.deep.equal([]);
      expect(ajvErrors('profile', JSON.parse(profile.stdout)), 'ajv').to.deep.equal([]);
      // Round trip through the CLI: no difference (exit 0); one changed text: listed, exit 1.
      const back = await runCli(['oscal', 'import', out], {});
      expect(back.code, back.stderr).to.equal(0);
      expect(back.stderr).to.match(/0 difference/);
      doc.catalog.groups[0].controls[0].parts[0].parts[0].prose = '改过';
      writeFileSync(out, JSON.stringify(doc));
      const changed = await runCli(['oscal', 'import', out], {});
      expect(changed.code).to.equal(1);
      expect(changed.stdout.trim()).to.equal('changed L3-PES1-01 text.zh');
      const bad = await runCli(['oscal', 'export', 'catalog', '--level', '3', '--sets', 'space'], {});
      expect(bad.code).to.equal(2);
      expect(bad.stderr).to.include('space');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
