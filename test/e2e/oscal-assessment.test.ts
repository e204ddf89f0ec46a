import { expect } from 'chai';
import type { Express } from 'express';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { oscalValidator } from '../../reports/oscal/schema-check.js';
import { ROOT } from '../utils/process.js';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { allPages } from '../utils/pages.js';
import { ajvErrors } from '../utils/oscal-ajv.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const propOf = (x: Json, name: string) => x.props?.find((p: Json) => p.name === name)?.value;

describeEachEngine('OSCAL assessment-results and POA&M of an assessment', (ctx) => {
  let app: Express;
  let officer: Agent, officer2: Agent;
  let assessmentId: string;
  before(async function () {
    this.timeout(120_000);
    app = await createTestApp(ctx.db);
    officer = await signIn(app, 'officer');
    officer2 = await signIn(app, 'officer2');
    const orgs = await demoOrganizations(ctx.db);
    // The demo assessment with the most results assessed (it has findings and linked evidence).
    const row = await ctx.db.knex('assessments').where({ organization_id: orgs.citybrain }).orderBy('created_at').first('id');
    assessmentId = row.id;
    // One result linked to an evidence file, so the export carries an evidence hash.
    const result = await ctx.db.knex('assessment_results').where({ assessment_id: assessmentId }).whereNot({ value: 'not_assessed' }).orderBy('code').first('id');
    const evidence = await ctx.db.knex('evidence').where({ organization_id: orgs.citybrain }).whereNull('deleted_at').orderBy('id').first('id');
    await officer.post(`/api/v1/evidence/${evidence.id}/links`).send({ targetType: 'assessment_result', targetId: result.id });
  });

  it('assessment-results: valid OSCAL, one observation per assessed unit × object, findings with risks, the conclusion and its rule', async () => {
    const doc = (await officer.get(`/api/v1/assessments/${assessmentId}/oscal/assessment-results`).expect(200)).body;
    expect(oscalValidator('assessment-results').validate(doc)).to.deep.equal([]);
    expect(ajvErrors('assessment-results', doc), 'ajv').to.deep.equal([]);
    const ar = doc['assessment-results'];
    const [result] = ar.results;
    const results = await allPages<Json>(officer, `/api/v1/assessments/${assessmentId}/results`);
    const assessed = results.filter((r) => r.value !== 'not_assessed');
    expect(result.observations.length).to.equal(assessed.length);
    expect(result.observations.map((o: Json) => `${propOf(o, 'unit-code')}|${propOf(o, 'result')}`)).to.have.members(assessed.map((r) => `${r.code}|${r.value}`));
    const summary = (await officer.get(`/api/v1/assessments/${assessmentId}/summary`).expect(200)).body;
    expect(propOf(result, 'conclusion')).to.equal(summary.finalConclusion);
    expect(result.description).to.include(summary.conclusion.rule.zh);
    const findings = await allPages<Json>(officer, `/api/v1/assessments/${assessmentId}/findings`);
    expect((result.findings ?? []).length).to.equal(findings.length);
    expect((result.risks ?? []).map((r: Json) => propOf(r, 'effective-risk-level'))).to.have.members(findings.map((f) => f.effectiveRisk));
    for (const f of result.findings ?? []) expect(result.risks.map((r: Json) => r.uuid)).to.include(f['related-risks'][0]['risk-uuid']);
  });

  it('an observation with linked evidence points at a back-matter resource carrying the file\'s SHA-256', async () => {
    const doc = (await officer.get(`/api/v1/assessments/${assessmentId}/oscal/assessment-results`).expect(200)).body;
    const ar = doc['assessment-results'];
    const withEvidence = ar.results[0].observations.filter((o: Json) => o['relevant-evidence']);
    expect(withEvidence.length).to.be.greaterThan(0);
    const ref = withEvidence[0]['relevant-evidence'][0].href.slice(1);
    const resource = ar['back-matter'].resources.find((r: Json) => r.uuid === ref);
    const [evidenceId, version] = [propOf(resource, 'evidence-id'), Number(propOf(resource, 'version'))];
    const stored = await ctx.db.knex('evidence_versions').where({ evidence_id: evidenceId, version }).first('hash');
    expect(resource.rlinks[0].hashes).to.deep.equal([{ algorithm: 'SHA-256', value: stored.hash }]);
    const file = await officer.get(resource.rlinks[0].href).expect(200);
    expect(file.headers['content-type']).to.match(new RegExp(resource.rlinks[0]['media-type'].split(';')[0]));
  });

  it('a re-export keeps every UUID', async () => {
    const a = (await officer.get(`/api/v1/assessments/${assessmentId}/oscal/assessment-results`).expect(200)).body;
    const b = (await officer.get(`/api/v1/assessments/${assessmentId}/oscal/assessment-results`).expect(200)).body;
    const uuids = (doc: Json) => JSON.stringify(doc).match(/[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}/g);
    expect(uuids(b)).to.deep.equal(uuids(a));
  });

  it('POA&M: valid OSCAL, one item per finding with its remediation status and risk', async () => {
    const doc = (await officer.get(`/api/v1/assessments/${assessmentId}/oscal/poam`).expect(200)).body;
    expect(oscalValidator('poam').validate(doc)).to.deep.equal([]);
    expect(ajvErrors('poam', doc), 'ajv').to.deep.equal([]);
    const poam = doc['plan-of-action-and-milestones'];
    const findings = await allPages<Json>(officer, `/api/v1/assessments/${assessmentId}/findings`);
    if (findings.length) {
      expect(poam['poam-items'].map((i: Json) => i.title)).to.have.members(findings.map((f) => `${f.number} ${f.title}`));
      expect(poam['poam-items'].map((i: Json) => propOf(i, 'remediation-status'))).to.have.members(findings.map((f) => f.remediation?.status ?? 'open'));
    } else expect(poam['poam-items']).to.have.length(1);
  });

  it("another organisation's officer gets 404, a bad id 400", async () => {
    await officer2.get(`/api/v1/assessments/${assessmentId}/oscal/assessment-results`).expect(404);
    await officer2.get(`/api/v1/assessments/${assessmentId}/oscal/poam`).expect(404);
    const bad = await officer.get('/api/v1/assessments/nope/oscal/poam').expect(400);
    expect(bad.body.error.details[0].path).to.equal('params.id');
  });

  it("a cloud platform's responsibility matrix as a valid component-definition: every unit with its responsibility and the platform's result", async () => {
    const orgs = await demoOrganizations(ctx.db);
    const platform = await ctx.db.knex('platforms').where({ organization_id: orgs.citybrain }).orWhere({ published: true }).orderBy('id').first('id', 'level');
    const doc = (await officer.get(`/api/v1/platforms/${platform.id}/oscal/component-definition`).expect(200)).body;
    expect(oscalValidator('component').validate(doc)).to.deep.equal([]);
    expect(ajvErrors('component', doc), 'ajv').to.deep.equal([]);
    const [component] = doc['component-definition'].components;
    expect(component.type).to.equal('service');
    const statements = component['control-implementations'][0]['implemented-requirements'].flatMap((r: Json) => r.statements);
    const matrix = await allPages<Json>(officer, `/api/v1/platforms/${platform.id}/responsibilities?level=${platform.level}`);
    expect(statements.map((st: Json) => `${propOf(st, 'unit-code')} ${propOf(st, 'responsibility')} ${propOf(st, 'platform-result') ?? '-'}`)).to.have.members(
      matrix.map((m) => `${m.code} ${m.responsibility} ${m.platformResult ?? '-'}`),
    );
    const again = (await officer.get(`/api/v1/platforms/${platform.id}/oscal/component-definition`).expect(200)).body;
    expect(again['component-definition'].uuid).to.equal(doc['component-definition'].uuid);
  });

  it('a hand-written component-definition: dry run lists the matched units and the unmatched control; nothing is imported while one is unmatched; then it becomes the matrix', async function () {
    this.timeout(60_000);
    const orgs = await demoOrganizations(ctx.db);
    const platform = await ctx.db.knex('platforms').where({ organization_id: orgs.citybrain }).first('id', 'level');
    const fixture = JSON.parse(readFileSync(path.join(ROOT, 'fixtures', 'oscal', 'component-definition.json'), 'utf8'));
    const send = (agent: Agent, doc: unknown, query: string) =>
      agent.post(`/api/v1/oscal/import?platformId=${platform.id}${query}`).attach('file', Buffer.from(JSON.stringify(doc)), { filename: 'cd.json', contentType: 'application/json' });
    const matrix = async () => new Map((await allPages<Json>(officer, `/api/v1/platforms/${platform.id}/responsibilities?level=3`)).map((m) => [m.code, m]));
    const before = await matrix();
    const dry = (await send(officer, fixture, '&dryRun=1').expect(200)).body;
    const cesPoint = [...before.keys()].filter((c) => /^L3-CES1-0[1-4]$/.test(c));
    expect(dry.entries.map((e: Json) => `${e.code} ${e.responsibility}`)).to.have.members([...cesPoint.map((c) => `${c} shared`), 'L3-PES1-01 provider', 'L3-CNS1-01 tenant']);
    expect(dry.unmatched).to.deep.equal([{ path: '$.component-definition.components[0].control-implementations[0].implemented-requirements[3]', controlId: 'ac-2', reason: 'unknown_control' }]);
    // Applying while a control is unmatched: 400 naming it, the matrix unchanged.
    const refused = await send(officer, fixture, '').expect(400);
    expect(refused.body.error.details.map((d: Json) => d.code)).to.deep.equal(['unknown_control']);
    expect([...(await matrix()).values()].map((m) => m.responsibility)).to.deep.equal([...before.values()].map((m) => m.responsibility));
    // The auditor may not change the matrix (403 before the body), another organisation's officer does not see the platform (404).
    await send(await signIn(app, 'auditor'), fixture, '').expect(403);
    await send(officer2, fixture, '&dryRun=1').expect(404);
    // Without the foreign control: imported.
    fixture['component-definition'].components[0]['control-implementations'][0]['implemented-requirements'].pop();
    const applied = (await send(officer, fixture, '').expect(200)).body;
    expect(applied).to.deep.include({ applied: true, unmatched: [] });
    const after = await matrix();
    expect(after.get('L3-PES1-01')).to.deep.include({ responsibility: 'provider', platformResult: 'partial' });
    expect(after.get('L3-CNS1-01')).to.deep.include({ responsibility: 'tenant', platformResult: null });
    for (const c of cesPoint) expect(after.get(c)).to.deep.include({ responsibility: 'shared', platformResult: 'conform' });
  });
});
