import { expect } from 'chai';
import type { Express } from 'express';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import { oscalValidator } from '../../reports/oscal/json-schema.js';
import { createTestApp, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { runCli } from '../utils/process.js';

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
    const ids = controlIds(a);
    expect(ids).to.include('l3-ces1-cp-01').and.include('l3-cns2-cp-01');
    expect(ids.some((id: string) => /^l3-[a-z]+[345]-/.test(id))).to.equal(false);
    const b = (await auditor.get('/api/v1/oscal/catalog?sets=general,cloud&level=3').expect(200)).body;
    expect(b.catalog.uuid).to.equal(a.catalog.uuid);
  });

  it('GET /oscal/profile?level=3: a valid profile including every control point of level 3', async () => {
    const p = (await auditor.get('/api/v1/oscal/profile?level=3').expect(200)).body;
    expect(oscalValidator('profile').validate(p)).to.deep.equal([]);
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
      expect(controlIds(doc)).to.include('l3-cns2-cp-01');
      const profile = await runCli(['oscal', 'export', 'profile', '--level', '2'], {});
      expect(profile.code, profile.stderr).to.equal(0);
      expect(oscalValidator('profile').validate(JSON.parse(profile.stdout))).to.deep.equal([]);
      const bad = await runCli(['oscal', 'export', 'catalog', '--level', '3', '--sets', 'space'], {});
      expect(bad.code).to.equal(2);
      expect(bad.stderr).to.include('space');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
