import { expect } from 'chai';
import ExcelJS from 'exceljs';
import { Readable } from 'node:stream';
import path from 'node:path';
import PgBoss from 'pg-boss';
import { shippedCatalogue } from '../../server/catalogue/index.js';
import { InProcessQueue } from '../../server/jobs/memory-queue.js';
import { JOBS_SCHEMA, PgBossQueue } from '../../server/jobs/pg-boss-queue.js';
import type { JobQueue, JobRun } from '../../server/jobs/queue.js';
import { recoverReports } from '../../server/jobs/index.js';
import { loadCaller } from '../../server/services/callers.js';
import { loadDemoData } from '../../server/services/demo.js';
import { FsBlobStore } from '../../server/storage/fs-blob-store.js';
import type { BlobStore } from '../../server/storage/blob-store.js';
import { INTERRUPTED_REPORT_ERROR, ReportsService } from '../../reports/jobs.js';
import { PdfPrinter } from '../../reports/pdf/chromium.js';
import { workReports } from '../../reports/report-worker.js';
import { WorkbookService } from '../../reports/workbook/service.js';
import { describeEachEngine } from '../utils/each-engine.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readStream(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

describeEachEngine('job queue: each job runs once, failures are retried with backoff, reports follow their job', (ctx) => {
  const queues: JobQueue[] = [];
  /** The engine's queue, as the server builds it (fast polling and sweeps for the test). */
  const newQueue = (): JobQueue => {
    const q =
      ctx.engine === 'postgres'
        ? new PgBossQueue({ connectionString: ctx.db.database.url, pollingIntervalSeconds: 0.5, maintenanceIntervalSeconds: 1 })
        : new InProcessQueue();
    queues.push(q);
    return q;
  };
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.stop()));
  });

  it('an enqueued job runs exactly once, even with two workers (processes) watching the queue', async function () {
    this.timeout(120_000);
    const seen: string[] = [];
    const handler = async (job: JobRun<{ n: number }>) => {
      seen.push(`${job.data.n}`);
      expect(job.attempt).to.equal(1);
    };
    const a = newQueue();
    // On PostgreSQL a second, independent queue client claims from the same table.
    const b = ctx.engine === 'postgres' ? newQueue() : a;
    await a.work('count', handler, { concurrency: 2 });
    if (b !== a) await b.work('count', handler, { concurrency: 2 });
    for (let n = 0; n < 12; n++) await (n % 2 ? b : a).enqueue('count', { n });
    await until('all jobs', async () => seen.length >= 12);
    await sleep(2000); // a duplicate delivery would show up here
    expect(seen.sort((x, y) => Number(x) - Number(y))).to.deep.equal(Array.from({ length: 12 }, (_, n) => `${n}`));
  });

  it('a job enqueued inside a transaction exists only if the transaction commits', async function () {
    this.timeout(60_000);
    const seen: number[] = [];
    const q = newQueue();
    await q.work<{ n: number }>('tx', async (job) => void seen.push(job.data.n));
    await ctx.db.knex
      .transaction(async (trx) => {
        await q.enqueue('tx', { n: 1 }, { trx });
        throw new Error('rolled back');
      })
      .catch(() => undefined);
    await ctx.db.knex.transaction(async (trx) => {
      await q.enqueue('tx', { n: 2 }, { trx });
      // Not before the commit: nothing runs while the transaction is open.
      await sleep(1500);
      expect(seen).to.deep.equal([]);
    });
    await until('the committed job', async () => seen.length >= 1);
    await sleep(1500);
    expect(seen).to.deep.equal([2]);
    if (ctx.engine === 'postgres') expect(await ctx.db.knex.withSchema(JOBS_SCHEMA).table('job').where({ name: 'tx' }).count({ n: '*' }).first()).to.deep.equal({ n: '1' });
  });

  it('a failing handler is retried with growing delays, the last delivery is marked final, then it stops', async function () {
    this.timeout(120_000);
    const runs: Array<{ at: number; attempt: number; final: boolean }> = [];
    const exhausted: unknown[] = [];
    const q = newQueue();
    await q.work<{ x: number }>(
      'flaky',
      async (job) => {
        runs.push({ at: Date.now(), attempt: job.attempt, final: job.final });
        throw new Error('always fails');
      },
      { onExhausted: async (data) => void exhausted.push(data) },
    );
    await q.enqueue('flaky', { x: 1 }, { retryLimit: 2, retryDelaySeconds: 1 });
    await until('three deliveries', async () => runs.length >= 3);
    await sleep(5000);
    expect(runs.map((r) => [r.attempt, r.final])).to.deep.equal([[1, false], [2, false], [3, true]]);
    // Backoff: the first retry waits at least 1 s, the second at least 2 s (exponential, with jitter).
    expect(runs[1]!.at - runs[0]!.at).to.be.at.least(900);
    expect(runs[2]!.at - runs[1]!.at).to.be.at.least(1900);
    expect(runs[2]!.at - runs[1]!.at).to.be.greaterThan((runs[1]!.at - runs[0]!.at) * 0.5);
    if (ctx.engine === 'postgres') {
      const state = await ctx.db.knex.withSchema(JOBS_SCHEMA).table('job').where({ name: 'flaky' }).first();
      expect(state.state).to.equal('failed');
      expect(state.retry_count).to.equal(2);
    }
  });

  describe('report jobs', () => {
    let orgStore: BlobStore;
    let assessmentId: string;
    before(async () => {
      orgStore = new FsBlobStore(path.join(ctx.db.dataDir, 'evidence'));
      await loadDemoData(ctx.db.knex, undefined, { store: orgStore });
      assessmentId = (await ctx.db.knex('assessments').where({ kind: 'formal_test' }).first()).id;
    });
    const service = async (jobs: JobQueue) => {
      const user = await ctx.db.knex('users').where({ username: 'consultant' }).first();
      const caller = (await loadCaller(ctx.db.knex, user.id, 'session'))!;
      return new ReportsService({ knex: ctx.db.knex, caller }, { printer: new PdfPrinter(undefined), store: orgStore, catalogue: shippedCatalogue(), jobs });
    };

    it('a report goes queued → running → done through the queue; a failed first attempt shows on the row and is retried', async function () {
      this.timeout(120_000);
      let failures = 1;
      // The store refuses the first write (a full disk for a moment): the job's first delivery fails.
      const flakyStore: BlobStore = Object.create(orgStore, {
        stage: {
          value: (...args: Parameters<BlobStore['stage']>) => {
            if (failures-- > 0) return Promise.reject(new Error('disk full'));
            return orgStore.stage(...args);
          },
        },
      });
      const q = newQueue();
      const reports = await service(q);
      const requested = await reports.request(assessmentId, { type: 'executive_summary', format: 'html', lang: 'en' });
      expect(requested.status).to.equal('queued');
      // Nothing works the queue yet: the row waits, queued.
      await sleep(300);
      expect((await reports.get(requested.id)).status).to.equal('queued');
      const statuses = new Set<string>();
      await workReports(q, ctx.db.knex, { printer: new PdfPrinter(undefined), store: flakyStore, catalogue: shippedCatalogue() });
      const done = await until('the report', async () => {
        const r = await reports.get(requested.id);
        statuses.add(r.error ? `${r.status}: ${r.error}` : r.status);
        return r.status === 'done' || r.status === 'failed' ? r : undefined;
      });
      expect(done).to.include({ status: 'done', progress: 100, error: null });
      expect([...statuses]).to.include('queued: attempt 1 failed: disk full');
      expect(done.sha256).to.match(/^[0-9a-f]{64}$/);
    });

    it('a workbook import that applied but could not archive its result is retried without applying again: the result kept is the apply’s (1 applied, not 0)', async function () {
      this.timeout(120_000);
      const user = await ctx.db.knex('users').where({ username: 'consultant' }).first();
      const caller = (await loadCaller(ctx.db.knex, user.id, 'session'))!;
      const { buffer } = await new WorkbookService({ knex: ctx.db.knex, caller }).export(assessmentId, 'zh-CN');
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(buffer as unknown as ArrayBuffer);
      // The first exported row (hidden F/G/H: unit, object, row version) gets a new record, as an assessor types it.
      let target: { code: string; object: string; version: number } | undefined;
      wb.eachSheet((ws) => ws.eachRow((row) => {
        const code = row.getCell(6).value;
        if (target || typeof code !== 'string' || !/^L\d-[A-Z]{3}\d-\d{2}$/.test(code)) return;
        target = { code, object: String(row.getCell(7).value), version: Number(row.getCell(8).value) };
        row.getCell(4).value = '重试时不得重复导入';
      }));
      expect(target, 'an exported result row').to.not.equal(undefined);
      const staged = await orgStore.stage(Readable.from([Buffer.from(await wb.xlsx.writeBuffer())]), 50 * 1024 * 1024);
      const assessment = await ctx.db.knex('assessments').where({ id: assessmentId }).first();
      await staged.commit(assessment.organization_id);
      // The store refuses the first write, i.e. the archive of the import's result, after the apply committed.
      let failures = 1;
      const flakyStore: BlobStore = Object.create(orgStore, {
        stage: { value: (...args: Parameters<BlobStore['stage']>) => (failures-- > 0 ? Promise.reject(new Error('disk full')) : orgStore.stage(...args)) },
      });
      const q = newQueue();
      const reports = await service(q);
      const requested = await reports.requestArtefact(assessmentId, 'workbook_import', { lang: 'zh-CN', inputHash: staged.hash });
      await workReports(q, ctx.db.knex, { printer: new PdfPrinter(undefined), store: flakyStore, catalogue: shippedCatalogue() });
      const done = await until('the import job', async () => {
        const r = await reports.get(requested.id);
        return r.status === 'done' || r.status === 'failed' ? r : undefined;
      });
      expect(done, JSON.stringify(done)).to.include({ status: 'done', error: null });
      expect(failures, 'the first archive write was refused').to.be.below(0);
      const objectKey = target!.object === 'system' ? 'system' : target!.object;
      const row = await ctx.db.knex('assessment_results').where({ assessment_id: assessmentId, code: target!.code, object_key: objectKey }).first();
      expect(row.record).to.equal('重试时不得重复导入');
      expect(row.row_version, 'written once').to.equal(target!.version + 1);
      const archived = await ctx.db.knex('reports').where({ id: requested.id }).first();
      const result = JSON.parse((await readStream(orgStore.open(archived.organization_id, archived.hash))).toString('utf8'));
      expect(result).to.include({ dryRun: false, applied: 1 });
    });

    it('at start, rows whose job is gone are marked failed; rows whose job is still queued are kept (PostgreSQL)', async function () {
      this.timeout(60_000);
      const q = newQueue();
      const reports = await service(q);
      const alive = await reports.request(assessmentId, { type: 'executive_summary', format: 'html', lang: 'en' });
      const orphan = { ...(await ctx.db.knex('reports').where({ id: alive.id }).first()), id: '00000000-0000-4000-8000-0000000000b1' };
      await ctx.db.knex('reports').insert(orphan);
      const n = await recoverReports(q, ctx.db.knex);
      const status = async (id: string) => (await ctx.db.knex('reports').where({ id }).first()) as { status: string; error: string | null };
      expect(await status(orphan.id)).to.include({ status: 'failed', error: INTERRUPTED_REPORT_ERROR });
      if (ctx.engine === 'postgres') {
        expect(n).to.equal(1);
        expect((await status(alive.id)).status).to.equal('queued');
      } else {
        // SQLite: the in-process queue dies with its process; at start every leftover is failed.
        expect(n).to.equal(2);
      }
    });

    if (ctx.engine === 'postgres') {
      it('a delivery whose worker died (claimed, never finished) is retried after its expiry and the report completes', async function () {
        this.timeout(120_000);
        const q = newQueue() as PgBossQueue;
        const reports = await service(q);
        await q.start();
        await ctx.db.knex.withSchema(JOBS_SCHEMA).table('job').where({ name: 'report' }).del(); // earlier tests' leftovers
        const requested = await reports.request(assessmentId, { type: 'executive_summary', format: 'html', lang: 'zh-CN' });
        // A "worker" claims the job and dies: the job stays active with nobody working on it.
        const dead = new PgBoss({ connectionString: ctx.db.database.url, schema: JOBS_SCHEMA, supervise: false, schedule: false });
        await dead.start();
        let claimed: PgBoss.Job<object> | undefined;
        try {
          [claimed] = await dead.fetch('report', { batchSize: 1 });
        } finally {
          await dead.stop({ graceful: false, wait: true });
        }
        expect(claimed?.data).to.deep.equal({ reportId: requested.id });
        await ctx.db.knex.withSchema(JOBS_SCHEMA).table('job').where({ id: claimed!.id }).update({ expire_in: ctx.db.knex.raw("interval '2 seconds'") });
        await workReports(q, ctx.db.knex, { printer: new PdfPrinter(undefined), store: orgStore, catalogue: shippedCatalogue() });
        const done = await until('the retried report', async () => {
          const r = await reports.get(requested.id);
          return r.status === 'done' || r.status === 'failed' ? r : undefined;
        });
        expect(done.status).to.equal('done');
        // Same job, second delivery (pg-boss records the completion just after the handler returns).
        const job = await until('the job completed', async () => {
          const row = await ctx.db.knex.withSchema(JOBS_SCHEMA).table('job').where({ id: claimed!.id }).first();
          return row?.state === 'completed' ? row : undefined;
        });
        expect(job).to.include({ state: 'completed', retry_count: 1 });
      });
    }
  });
});
