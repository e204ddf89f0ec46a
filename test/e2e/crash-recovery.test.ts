import { expect } from 'chai';
import type { ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import ExcelJS from 'exceljs';
import { existsSync, readdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Knex } from 'knex';
import { INTERRUPTED_REPORT_ERROR } from '../../reports/jobs.js';
import { GENESIS_HASH } from '../../server/audit/chain.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { png } from '../utils/files.js';
import { runCli, startServer } from '../utils/process.js';
import { cookieFor, multipart, multipartHeaders, rawRequest } from '../utils/raw-http.js';

const kill9 = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.removeAllListeners('exit');
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describeEachEngine('kill -9 during writes, then restart: consistent, verified, no job stuck', (ctx) => {
  // A short job expiry: on PostgreSQL a job whose process was killed is retried once it expires.
  const env = () => ({ DATA_DIR: ctx.db.dataDir, DATABASE_URL: ctx.db.database.url, SESSION_SECRET: 'crash-test-secret-crash-test-secret-1234', LOG_LEVEL: 'warn', JOB_TIMEOUT_SECONDS: '10' });
  const tmpDir = () => path.join(ctx.db.dataDir, 'evidence', 'tmp');
  const tmpFiles = () => (existsSync(tmpDir()) ? readdirSync(tmpDir()) : []);
  let server: { child: ChildProcess; url: string } | undefined;

  afterEach(async () => {
    if (server) await kill9(server.child);
    server = undefined;
  });

  it('a truncated multipart body and a client reset do not end the real server process', async function () {
    this.timeout(120_000);
    server = await startServer(env());
    const { cookie } = await cookieFor(server.url, 'consultant', env().SESSION_SECRET);
    const truncated = multipart({ title: 'x', kind: 'other' }, { name: 'a.txt', content: Buffer.from('abc') }, true);
    for (let i = 0; i < 3; i++) {
      const res = await rawRequest(server.url, 'POST', '/api/v1/evidence', multipartHeaders(truncated, cookie), truncated);
      expect(res.status).to.equal(400);
    }
    const health = await rawRequest(server.url, 'GET', '/healthz', {});
    expect(health.status).to.equal(200);
    expect(server.child.exitCode).to.equal(null);
  });

  it('report jobs left running or queued by a dead process are marked failed at start, with the reason', async function () {
    this.timeout(120_000);
    server = await startServer(env());
    await kill9(server.child);
    server = undefined;
    const assessment = await ctx.db.knex('assessments').where({ kind: 'formal_test' }).first();
    const user = await ctx.db.knex('users').where({ username: 'consultant' }).first();
    const job = (id: string, status: string) => ({
      id,
      organization_id: assessment.organization_id,
      assessment_id: assessment.id,
      assessment_revision: assessment.revision,
      type: 'test_report',
      format: 'pdf',
      lang: 'zh-CN',
      status,
      progress: status === 'running' ? 40 : 0,
      generator: 'dengbao test',
      requested_by: user.id,
      requested_at: new Date().toISOString(),
    });
    await ctx.db.knex('reports').insert([job('00000000-0000-4000-8000-0000000000a1', 'running'), job('00000000-0000-4000-8000-0000000000a2', 'queued')]);
    server = await startServer(env());
    const rows = await ctx.db.knex('reports').whereIn('id', ['00000000-0000-4000-8000-0000000000a1', '00000000-0000-4000-8000-0000000000a2']).orderBy('id');
    expect(rows.map((r: { status: string; error: string }) => [r.status, r.error])).to.deep.equal([
      ['failed', INTERRUPTED_REPORT_ERROR],
      ['failed', INTERRUPTED_REPORT_ERROR],
    ]);
    expect(rows.every((r: { finished_at: string | null }) => !!r.finished_at)).to.equal(true);
    // The API shows the job failed with its reason.
    const { cookie } = await cookieFor(server.url, 'consultant', env().SESSION_SECRET);
    const list = JSON.parse((await rawRequest(server.url, 'GET', `/api/v1/assessments/${assessment.id}/reports`, { cookie })).text).data;
    expect(list.find((r: { id: string }) => r.id === rows[0].id)).to.include({ status: 'failed', error: INTERRUPTED_REPORT_ERROR });
  });

  /**
   * PostgreSQL: holds the organisation's audit chain head locked, as a concurrent audit append
   * would. A result write or an import appends its audit entries last in its transaction, so it
   * waits there with its rows written and its transaction open until `release`: the kill lands
   * inside that transaction however fast or slow the machine is (watching for the UPDATE statement
   * itself missed a write that took a few milliseconds on a loaded machine).
   */
  let chainHold: Knex.Transaction | undefined;
  async function holdAuditChain(chain: string): Promise<void> {
    await ctx.db.knex('audit_chains').insert({ chain, seq: 0, head_hash: GENESIS_HASH, base_seq: 0, base_hash: GENESIS_HASH }).onConflict('chain').ignore();
    chainHold = await ctx.db.knex.transaction();
    await chainHold('audit_chains').where({ chain }).forUpdate().first();
  }
  async function releaseAuditChain(): Promise<void> {
    const trx = chainHold;
    chainHold = undefined;
    if (trx && !trx.isCompleted()) await trx.rollback().catch(() => undefined);
  }
  afterEach(releaseAuditChain);

  /**
   * Resolves once the server holds a write transaction on assessment_results open (PostgreSQL:
   * another backend holds its row-exclusive lock on the table, taken by its first UPDATE and kept
   * until its transaction ends; SQLite: another connection cannot take the write lock), or after
   * `timeoutMs`. Returns whether it saw one.
   */
  async function writeTransactionOpen(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    if (ctx.engine === 'postgres') {
      while (Date.now() < until) {
        const row = await ctx.db.knex.raw(
          `select count(*)::int as n from pg_locks l join pg_class c on c.oid = l.relation
            where l.database = (select oid from pg_database where datname = current_database())
              and c.relname = 'assessment_results' and l.mode = 'RowExclusiveLock' and l.granted and l.pid <> pg_backend_pid()`,
        );
        if (row.rows[0].n > 0) return true;
        await sleep(5);
      }
      return false;
    }
    const probe = new Database(ctx.db.database.filename!, { timeout: 0 });
    try {
      while (Date.now() < until) {
        try {
          probe.exec('BEGIN IMMEDIATE');
          probe.exec('ROLLBACK');
        } catch {
          return true; // SQLITE_BUSY: the server's write transaction is open
        }
        await sleep(1);
      }
      return false;
    } finally {
      probe.close();
    }
  }

  for (const when of ['the bulk write transaction is open', '250 ms in'] as const) {
    const delay = when === '250 ms in' ? 250 : 0;
    it(`SIGKILL while ${when} (with an upload, a workbook import and a report job in flight): after restart all or nothing, verified, no job stuck`, async function () {
      this.timeout(240_000);
      server = await startServer(env());
      const url = server.url;
      const { cookie } = await cookieFor(url, 'consultant', env().SESSION_SECRET);
      const assessment = await ctx.db.knex('assessments').where({ kind: 'formal_test', status: 'in_progress' }).first();
      const results = JSON.parse((await rawRequest(url, 'GET', `/api/v1/assessments/${assessment.id}/results`, { cookie })).text).data as Array<{ code: string; objectId: string | null; rowVersion: number }>;
      const bulkMark = `kill-9 bulk ${delay}`;
      const importMark = `kill-9 import ${delay}`;
      const uploadTitle = `kill-9 upload ${delay}`;
      const evidenceBefore = Number((await ctx.db.knex('evidence').count({ n: '*' }).first())?.n);

      // The record workbook, with every record changed (applied in one transaction on import).
      const xlsx = await new Promise<Buffer>((resolve, reject) => {
        http.get(`${url}/api/v1/assessments/${assessment.id}/workbook.xlsx`, { headers: { cookie } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve(Buffer.concat(chunks)));
        }).on('error', reject);
      });
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
      let importRows = 0;
      wb.eachSheet((ws) => ws.eachRow((row) => {
        if (/^L\d-[A-Z]{3}\d-\d{2}$/.test(String(row.getCell(6).value ?? ''))) {
          row.getCell(4).value = importMark;
          importRows++;
        }
      }));
      const edited = Buffer.from(await wb.xlsx.writeBuffer());

      if (!delay && ctx.engine === 'postgres') await holdAuditChain(assessment.organization_id);
      // All at once: a bulk write of every result, a workbook import, a report job, and an upload
      // that stops half-way (the client keeps the connection open).
      const swallow = (p: Promise<unknown>) => p.catch(() => undefined);
      const bulkBody = JSON.stringify({ results: results.map((r) => ({ code: r.code, ...(r.objectId ? { objectId: r.objectId } : {}), value: 'partial', record: bulkMark, rowVersion: r.rowVersion })) });
      swallow(rawRequest(url, 'POST', `/api/v1/assessments/${assessment.id}/results/bulk`, { cookie, 'content-type': 'application/json' }, bulkBody));
      const importBody = multipart({}, { name: 'records.xlsx', content: edited });
      swallow(rawRequest(url, 'POST', `/api/v1/assessments/${assessment.id}/workbook`, multipartHeaders(importBody, cookie), importBody));
      swallow(rawRequest(url, 'POST', `/api/v1/assessments/${assessment.id}/reports`, { cookie, 'content-type': 'application/json' }, JSON.stringify({ type: 'test_report', format: 'html', lang: 'zh-CN' })));
      const fileBody = multipart({ title: uploadTitle, kind: 'other' }, { name: 'big.png', content: Buffer.concat([png(9400), Buffer.alloc(3 * 1024 * 1024, 7)]) });
      const target = new URL('/api/v1/evidence', url);
      const upload = http.request({ host: target.hostname, port: target.port, method: 'POST', path: target.pathname, headers: multipartHeaders(fileBody, cookie) });
      upload.on('error', () => undefined);
      upload.write(fileBody.subarray(0, 1024 * 1024));
      if (delay) await sleep(delay);
      else expect(await writeTransactionOpen(60_000), 'saw the write transaction open').to.equal(true);
      await kill9(server.child);
      upload.destroy();
      server = undefined;
      // The killed server's backend notices its client gone once it gets the lock, and rolls back.
      await releaseAuditChain();

      // Restart on the same data directory and database.
      server = await startServer(env());
      expect((await rawRequest(server.url, 'GET', '/healthz', {})).status).to.equal(200);
      // No partial bulk and no partial import: each is all or nothing.
      const rows = await ctx.db.knex('assessment_results').where({ assessment_id: assessment.id });
      const bulkApplied = rows.filter((r: { record: string | null }) => r.record === bulkMark).length;
      expect(bulkApplied, 'rows of the bulk write').to.be.oneOf([0, results.length]);
      const imported = rows.filter((r: { record: string | null }) => r.record === importMark).length;
      expect(imported, 'rows of the import').to.be.oneOf([0, importRows]);
      if (process.env.TEST_VERBOSE) console.log(`      after SIGKILL while ${when}: bulk ${bulkApplied}/${results.length}, import ${imported}/${importRows}`);
      // The half-sent upload left no record and no temporary file.
      expect(await ctx.db.knex('evidence').where({ title: uploadTitle }).first()).to.equal(undefined);
      expect(Number((await ctx.db.knex('evidence').count({ n: '*' }).first())?.n)).to.equal(evidenceBefore);
      expect(tmpFiles()).to.deep.equal([]);
      // No report job is left queued or running. SQLite: a job cut short is marked failed at start.
      // PostgreSQL: the queue keeps it and retries it once its claim expires, so it ends done.
      const pending = async () => Number((await ctx.db.knex('reports').whereIn('status', ['queued', 'running']).count({ n: '*' }).first())?.n);
      if (ctx.engine === 'postgres') {
        const until = Date.now() + 150_000;
        while ((await pending()) > 0 && Date.now() < until) await sleep(1000);
      }
      expect(await pending(), 'report jobs left queued or running').to.equal(0);
      // Every stored evidence file still matches its hash.
      const verify = await runCli(['evidence', 'verify'], env());
      expect(verify.code, verify.stderr + verify.stdout).to.equal(0);
      expect(verify.stdout).to.contain(': 0 missing or corrupted');
    });
  }
});
