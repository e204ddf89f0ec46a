import { expect } from 'chai';
import type { Express } from 'express';
import { createHash } from 'node:crypto';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { png } from '../utils/files.js';
import { allPages } from '../utils/pages.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describeEachEngine('concurrent writes: idempotent uploads, race-free versions, conflicts with the current row', (ctx) => {
  let app: Express;
  let consultant: Agent, officer: Agent;
  let assessmentId: string;

  before(async function () {
    this.timeout(60_000);
    app = await createTestApp(ctx.db);
    consultant = await signIn(app, 'consultant');
    officer = await signIn(app, 'officer');
    const list = (await consultant.get('/api/v1/assessments?status=in_progress').expect(200)).body.data;
    assessmentId = list.find((a: { kind: string }) => a.kind === 'formal_test').id;
  });

  it('10 parallel uploads of the same file: all 201, ten records, one stored blob', async function () {
    this.timeout(60_000);
    const file = png(9001);
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? officer : consultant).post('/api/v1/evidence').field('title', `Same file ${i}`).field('kind', 'configuration').attach('file', file, `same-${i}.png`)),
    );
    expect(answers.map((r) => r.status), JSON.stringify(answers.find((r) => r.status !== 201)?.body)).to.deep.equal(Array(10).fill(201));
    expect(new Set(answers.map((r) => r.body.id)).size).to.equal(10);
    const { citybrain } = await demoOrganizations(ctx.db);
    const blobs = await ctx.db.knex('evidence_blobs').where({ organization_id: citybrain, hash: sha256(file) });
    expect(blobs).to.have.length(1);
  });

  it('8 parallel new versions of one record: all 201, versions 2..9 each once, the record at 9', async function () {
    this.timeout(60_000);
    const first = await consultant.post('/api/v1/evidence').field('title', 'Versioned').field('kind', 'configuration').attach('file', png(9100), 'v1.png').expect(201);
    const id = first.body.id as string;
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? officer : consultant).post(`/api/v1/evidence/${id}/versions`).field('note', `v${i}`).attach('file', png(9101 + i), `v${i}.png`)));
    expect(answers.map((r) => r.status), JSON.stringify(answers.find((r) => r.status !== 201)?.body)).to.deep.equal(Array(8).fill(201));
    const detail = (await consultant.get(`/api/v1/evidence/${id}`).expect(200)).body;
    expect(detail.versions.map((v: { version: number }) => v.version)).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(detail.currentVersion.version).to.equal(9);
    expect(new Set(detail.versions.map((v: { hash: string }) => v.hash)).size).to.equal(9);
    // The history names each version once.
    const added = detail.history.filter((h: { action: string }) => h.action === 'version_added').map((h: { details: { version: number } }) => h.details.version).sort((a: number, b: number) => a - b);
    expect(added).to.deep.equal([2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('two writers of one result with the same row version: one wins, the other gets 409 stale_row_version with the current row', async function () {
    this.timeout(60_000);
    const results = (await allPages(consultant, `/api/v1/assessments/${assessmentId}/results?unassessed=true`)) as Array<{ code: string; objectId: string | null; rowVersion: number }>;
    for (const r of results.slice(0, 5)) {
      const body = (value: string) => ({ ...(r.objectId ? { objectId: r.objectId } : {}), value, rowVersion: r.rowVersion });
      const [a, b] = await Promise.all([
        consultant.put(`/api/v1/assessments/${assessmentId}/results/${r.code}`).send(body('conform')),
        officer.put(`/api/v1/assessments/${assessmentId}/results/${r.code}`).send(body('nonconform')),
      ]);
      expect([a.status, b.status].sort(), `${r.code}: ${JSON.stringify([a.body, b.body])}`).to.deep.equal([200, 409]);
      const lost = a.status === 409 ? a : b;
      const won = a.status === 200 ? a : b;
      expect(lost.body.error).to.include({ code: 'conflict', reason: 'stale_row_version' });
      expect(lost.body.error.details[0].current).to.include({ value: won.body.value, rowVersion: r.rowVersion + 1 });
    }
  });

  it('two editors of one finding with the same row version: one wins, the other gets the current row (no lost update)', async function () {
    this.timeout(60_000);
    const unit = (await consultant.get(`/api/v1/assessments/${assessmentId}/results`).expect(200)).body.data[0].code;
    for (let i = 0; i < 5; i++) {
      const f = (await consultant.post(`/api/v1/assessments/${assessmentId}/findings`).send({ title: `Race ${i}`, units: [unit], risk: 'medium' }).expect(201)).body;
      const [a, b] = await Promise.all([
        consultant.patch(`/api/v1/findings/${f.id}`).send({ title: `A ${i}`, rowVersion: f.rowVersion }),
        officer.patch(`/api/v1/findings/${f.id}`).send({ title: `B ${i}`, rowVersion: f.rowVersion }),
      ]);
      expect([a.status, b.status].sort(), JSON.stringify([a.body, b.body])).to.deep.equal([200, 409]);
      const lost = a.status === 409 ? a : b;
      const won = a.status === 200 ? a : b;
      expect(lost.body.error.details[0].current).to.include({ title: won.body.title, rowVersion: f.rowVersion + 1 });
    }
  });

  it('409 messages name API fields, never database columns or constraints', async () => {
    const { citybrain } = await demoOrganizations(ctx.db);
    const dupMember = await officer.post(`/api/v1/organizations/${citybrain}/members?lang=en`).send({ username: 'consultant', role: 'consultant' }).expect(409);
    const ev = await consultant.post('/api/v1/evidence').field('title', 'Linked').field('kind', 'document').attach('file', png(9200), 'l.png').expect(201);
    const systemId = (await consultant.get('/api/v1/systems').expect(200)).body.data[0].id;
    await consultant.post(`/api/v1/evidence/${ev.body.id}/links`).send({ targetType: 'system', targetId: systemId }).expect(201);
    const dupLink = await consultant.post(`/api/v1/evidence/${ev.body.id}/links?lang=en`).send({ targetType: 'system', targetId: systemId }).expect(409);
    for (const res of [dupMember, dupLink]) {
      const text = JSON.stringify(res.body);
      expect(res.body.error.code).to.equal('unique_violation');
      expect(text).not.to.match(/_id\b|organization_id|evidence_id|target_type|_unique|_pkey|constraint|Key \(/);
    }
    expect(dupMember.body.error.message).to.equal('A record with this userId already exists');
    expect(dupLink.body.error.details[0]).to.include({ path: 'targetType, targetId', code: 'unique_violation' });
  });
});
