import { expect } from 'chai';
import type { Express } from 'express';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { csrfOf } from '../utils/csrf.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { pdf } from '../utils/files.js';
import { binary } from '../utils/http.js';
import { runCli } from '../utils/process.js';
import { archivedReport } from '../utils/reports.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// Defect 10 of issue 13: every stored file — evidence, archived reports, workbook-import uploads —
// is registered, checked by `dengbao evidence verify`, and a bad one refuses the evidence pack.
describeEachEngine('stored-file integrity (reports and workbook uploads)', (ctx) => {
  let app: Express;
  let consultant: Agent, auditor: Agent;
  let orgs: { citybrain: string; bank: string };
  let demo: { id: string };
  const report = pdf('archived test report');
  const blobPath = (hash: string) => path.join(ctx.db.dataDir, 'evidence', orgs.citybrain, hash.slice(0, 2), hash.slice(2, 4), hash);
  const env = () => ({ DATA_DIR: ctx.db.dataDir, DATABASE_URL: ctx.db.database.url });

  before(async () => {
    app = await createTestApp(ctx.db);
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
    orgs = await demoOrganizations(ctx.db);
    [demo] = (await auditor.get('/api/v1/assessments?status=in_progress')).body.data.filter((x: { kind: string }) => x.kind === 'formal_test');
    await archivedReport(ctx.db, demo.id, report);
  });

  it('a corrupted archived report refuses the evidence pack (500 evidence_corrupted naming report/), and verify names the report', async function () {
    this.timeout(180_000);
    const good = await auditor.get(`/api/v1/assessments/${demo.id}/evidence-pack.zip`).buffer(true).parse(binary).expect(200);
    expect(good.body.includes(Buffer.from('report/test-report.pdf'))).to.equal(true);
    const ok = await runCli(['evidence', 'verify'], env());
    expect(ok.code, ok.stderr).to.equal(0);
    // The test report and the pack just built (archived like a report).
    expect(ok.stdout).to.match(/archived reports 2\b/);

    const file = blobPath(sha256(report));
    const bytes = readFileSync(file);
    bytes[10]! ^= 0x01;
    writeFileSync(file, bytes);
    try {
      const res = await auditor.get(`/api/v1/assessments/${demo.id}/evidence-pack.zip?lang=en`).expect(500);
      expect(res.headers['content-type']).to.match(/json/);
      expect(res.body.error.code).to.equal('evidence_corrupted');
      expect(res.body.error.details.map((d: { path: string }) => d.path)).to.deep.equal(['report/test-report.pdf']);
      const reportId = (await ctx.db.knex('reports').where({ hash: sha256(report) }).first()).id;
      const bad = await runCli(['evidence', 'verify'], env());
      expect(bad.code).to.equal(1);
      expect(bad.stderr).to.contain(`CORRUPTED: organisation ${orgs.citybrain} file ${sha256(report)} (report ${reportId})`);
    } finally {
      writeFileSync(file, report);
    }
  });

  it('registers a workbook-import upload and verify checks it (a corrupted one is named)', async function () {
    this.timeout(180_000); // three CLI processes: slow on a loaded machine
    const xlsx = (await consultant.get(`/api/v1/assessments/${demo.id}/workbook.xlsx`).buffer(true).parse(binary).expect(200)).body as Buffer;
    const token = await csrfOf(consultant);
    await consultant.post(`/assessments/${demo.id}/workbook-import?_csrf=${encodeURIComponent(token)}`).attach('file', xlsx, 'record.xlsx').expect(200);
    const row = await ctx.db.knex('workbook_uploads').where({ organization_id: orgs.citybrain, hash: sha256(xlsx) }).first();
    expect(row, 'workbook upload registered').to.not.equal(undefined);
    expect(row.assessment_id).to.equal(demo.id);
    const ok = await runCli(['evidence', 'verify'], env());
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout).to.match(/workbook uploads 1\b/);
    expect(ok.stderr).not.to.contain('unregistered');

    const file = blobPath(sha256(xlsx));
    writeFileSync(file, Buffer.concat([xlsx, Buffer.from('x')]));
    try {
      const bad = await runCli(['evidence', 'verify'], env());
      expect(bad.code).to.equal(1);
      expect(bad.stderr).to.contain(`CORRUPTED: organisation ${orgs.citybrain} file ${sha256(xlsx)} (workbook upload for assessment ${demo.id})`);
    } finally {
      writeFileSync(file, xlsx);
    }
  });

  it('warns about a stored file no record points at', async () => {
    const stray = Buffer.from('nobody registered me');
    const file = blobPath(sha256(stray));
    const { mkdirSync, rmSync } = await import('node:fs');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, stray);
    try {
      const res = await runCli(['evidence', 'verify'], env());
      expect(res.stderr).to.contain(`unregistered file: organisation ${orgs.citybrain} file ${sha256(stray)}`);
    } finally {
      rmSync(file);
    }
  });
});
