/**
 * Head-of-line blocking on SQLite: /healthz latency while a report renders in the same server.
 * better-sqlite3 is synchronous, so a report assembled and rendered on the web thread stalls
 * every request until it is done; report jobs now run on a worker thread with their own
 * connection (WAL). `benchHeadOfLine()` starts a real server (`dengbao start`, demo data, a
 * throwaway DATA_DIR), probes /healthz back to back from this process while the demo test
 * report renders (PDF, then HTML), and returns the latency figures. `mainThread: true` runs the
 * jobs on the web thread as before (DENGBAO_JOBS_MAIN_THREAD=1), to measure the difference.
 * Target: p99 < 50 ms. Figures only; asserts nothing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { shippedCatalogue } from '../server/catalogue/index.js';
import { createDatabase, migrateLatest } from '../server/database/index.js';
import { loadCaller } from '../server/services/callers.js';
import { loadDemoData, readDemoData } from '../server/services/demo.js';
import { FsBlobStore } from '../server/storage/fs-blob-store.js';
import { AssessmentsService } from '../server/assessments/service.js';
import { ObjectsService } from '../server/assessments/objects.js';
import { ResultsService } from '../server/assessments/results.js';
import { SystemsService } from '../server/systems/service.js';
import { GradingsService } from '../server/systems/gradings.js';

const ROOT = path.resolve(import.meta.dirname, '..');

export interface LatencyFigures {
  requests: number;
  p50: number;
  p99: number;
  max: number;
}

export interface HeadOfLineFigures {
  /** Where report jobs ran. */
  mode: 'worker thread' | 'main thread';
  /** Result rows of the assessment reported on. */
  resultRows: number;
  /** /healthz with nothing else running. */
  idle: LatencyFigures;
  /** /healthz while each report renders, and how long the report took (request → done). */
  reports: Array<{ format: 'pdf' | 'html'; reportMs: number; status: string; healthz: LatencyFigures }>;
  /** With `dashboards`: /healthz while that many clients load the dashboard back to back, without and then with a report rendering. */
  dashboards?: {
    clients: number;
    alone: { healthz: LatencyFigures; dashboard: LatencyFigures };
    withReport: { format: 'pdf' | 'html'; reportMs: number; status: string; healthz: LatencyFigures; dashboard: LatencyFigures };
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

function request(base: string, method: string, url: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  const u = new URL(url, base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method, path: u.pathname + u.search, headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function figures(times: number[]): LatencyFigures {
  const s = [...times].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
  const round = (x: number) => Math.round(x * 10) / 10;
  return { requests: s.length, p50: round(at(0.5)), p99: round(at(0.99)), max: round(s[s.length - 1] ?? NaN) };
}

/** `clients` loops loading the dashboard `/` (own sockets: the probe never queues behind them) until `until` resolves. */
async function loadDashboards(base: string, cookie: string, clients: number, until: Promise<unknown>): Promise<number[]> {
  const own = new http.Agent({ keepAlive: true, maxSockets: clients });
  let done = false;
  void until.finally(() => (done = true));
  const times: number[] = [];
  const client = async () => {
    while (!done) {
      const t0 = performance.now();
      const u = new URL('/', base);
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request({ host: u.hostname, port: u.port, method: 'GET', path: '/', headers: { cookie, 'accept-language': 'zh-CN' }, agent: own }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end();
      });
      if (status !== 200) throw new Error(`dashboard: ${status}`);
      times.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  own.destroy();
  return times;
}

/** Probes /healthz one request after another (plus `gapMs`) until `stop()` resolves. */
async function probe(base: string, until: Promise<unknown>, gapMs = 5): Promise<number[]> {
  let done = false;
  void until.finally(() => (done = true));
  const times: number[] = [];
  while (!done) {
    const t0 = performance.now();
    await request(base, 'GET', '/healthz');
    times.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, gapMs));
  }
  return times;
}

function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'dengbao.js'), 'start'], { cwd: ROOT, env: { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env } });
    let out = '';
    const onData = (d: Buffer) => {
      out += d;
      const m = /dengbao is running at (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited with ${code}:\n${out}`)));
  });
}

/**
 * A level-3 assessment with `objects` test objects and every result filled (as bench/run.ts
 * builds its 40-object one), written into DATA_DIR's database before the server starts.
 */
async function seedAssessment(dataDir: string, objects: number): Promise<string> {
  const filename = path.join(dataDir, 'dengbao.sqlite');
  const knex = createDatabase({ engine: 'sqlite', url: `sqlite:${filename}`, filename, poolMax: 1 });
  try {
    await migrateLatest(knex);
    await loadDemoData(knex, undefined, { store: new FsBlobStore(path.join(dataDir, 'evidence')) });
    const officer = await knex('users').where({ username: 'officer' }).first();
    const caller = (await loadCaller(knex, officer.id, 'session'))!;
    const ctx = { knex, caller };
    const org = [...caller.memberships.keys()][0]!;
    const sys = await new SystemsService(ctx).create(org, { name: `Bench system (${objects} objects)`, deployment: 'on_premises' });
    await new GradingsService(ctx).create(sys.id, { businessHarms: [{ object: 'social', degree: 'serious' }], serviceHarms: [{ object: 'social', degree: 'serious' }], rationale: 'benchmark system graded at level 3', gradedOn: '2026-01-05' });
    const cats = ['network_device', 'security_device', 'server_storage', 'server_storage', 'terminal', 'management_platform', 'business_application', 'data_resource'];
    await new ObjectsService(ctx).create(sys.id, Array.from({ length: objects }, (_, i) => ({ category: cats[i % cats.length]!, name: `OBJ-${String(i + 1).padStart(3, '0')}`, importance: 'key' as const })));
    const a = await new AssessmentsService(ctx, shippedCatalogue()).create({ systemId: sys.id, kind: 'formal_test' });
    const results = new ResultsService(ctx);
    const rows = await results.list(a.id);
    const values = ['conform', 'conform', 'conform', 'partial', 'nonconform', 'na'] as const;
    await results.bulk(a.id, rows.map((r, i) => ({ code: r.code, objectId: r.objectId, value: values[i % values.length]!, record: `核查记录 ${i}`, rowVersion: r.rowVersion })));
    return a.id;
  } finally {
    await knex.destroy();
  }
}

export async function benchHeadOfLine(
  options: {
    mainThread?: boolean;
    formats?: Array<'pdf' | 'html'>;
    idleMs?: number;
    warm?: boolean;
    /** 0 (default): the demo assessment; n: a level-3 assessment with n objects, all results filled. */
    objects?: number;
    /** Clients loading the dashboard back to back, measured alone and while an HTML report renders (none by default). */
    dashboards?: number;
  } = {},
): Promise<HeadOfLineFigures> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'dengbao-hol-'));
  const seeded = options.objects ? await seedAssessment(dataDir, options.objects) : undefined;
  const env: Record<string, string> = { DATA_DIR: dataDir, DEMO: '1', SESSION_SECRET: 'head-of-line-bench-secret-0123456789abcdef', BROWSER_DOWNLOAD: '0' };
  delete process.env.DATABASE_URL; // SQLite: the engine whose driver blocks
  if (options.mainThread) env.DENGBAO_JOBS_MAIN_THREAD = '1';
  const { child, url } = await startServer(env);
  try {
    const login = await request(url, 'POST', '/api/v1/auth/login', { 'content-type': 'application/json' }, JSON.stringify({ username: 'officer', password: readDemoData().password }));
    if (login.status !== 200) throw new Error(`sign-in: ${login.status} ${login.text}`);
    const cookie = String([login.headers['set-cookie']].flat()[0]).split(';')[0]!;
    const list = JSON.parse((await request(url, 'GET', '/api/v1/assessments', { cookie })).text).data as Array<{ id: string; kind: string }>;
    const assessment = seeded ?? list.find((a) => a.kind === 'formal_test')!.id;
    const report = async (format: 'pdf' | 'html') => {
      const job = JSON.parse(
        (await request(url, 'POST', `/api/v1/assessments/${assessment}/reports`, { cookie, 'content-type': 'application/json' }, JSON.stringify({ type: 'test_report', format, lang: 'zh-CN' }))).text,
      ) as { id: string; status: string };
      if (!job.id) throw new Error(`report request refused: ${JSON.stringify(job)}`);
      let status = job.status;
      const finished = (async () => {
        while (status !== 'done' && status !== 'failed') {
          await new Promise((r) => setTimeout(r, 250));
          status = (JSON.parse((await request(url, 'GET', `/api/v1/reports/${job.id}`, { cookie })).text) as { status: string }).status;
        }
        return status;
      })();
      return finished;
    };
    // Warm: the report thread, the browser and the templates start once per process, not per report.
    if (options.warm !== false) await report('pdf');
    for (let i = 0; i < 50; i++) await request(url, 'GET', '/healthz');
    const idle = figures(await probe(url, new Promise((r) => setTimeout(r, options.idleMs ?? 3000))));
    const reports: HeadOfLineFigures['reports'] = [];
    for (const format of options.formats ?? ['pdf', 'html']) {
      const t0 = performance.now();
      const finished = report(format);
      const times = await probe(url, finished);
      reports.push({ format, reportMs: Math.round(performance.now() - t0), status: await finished, healthz: figures(times) });
    }
    let dashboards: HeadOfLineFigures['dashboards'];
    if (options.dashboards) {
      const clients = options.dashboards;
      const alone = new Promise((r) => setTimeout(r, options.idleMs ?? 3000));
      const [aloneHealthz, aloneDashboard] = await Promise.all([probe(url, alone), loadDashboards(url, cookie, clients, alone)]);
      const t0 = performance.now();
      const finished = report('html');
      const [healthz, dashboard] = await Promise.all([probe(url, finished), loadDashboards(url, cookie, clients, finished)]);
      dashboards = {
        clients,
        alone: { healthz: figures(aloneHealthz), dashboard: figures(aloneDashboard) },
        withReport: { format: 'html', reportMs: Math.round(performance.now() - t0), status: await finished, healthz: figures(healthz), dashboard: figures(dashboard) },
      };
    }
    const filename = path.join(dataDir, 'dengbao.sqlite');
    const knex = createDatabase({ engine: 'sqlite', url: `sqlite:${filename}`, filename, poolMax: 1 });
    const counted = await knex('assessment_results').where({ assessment_id: assessment }).count({ n: '*' }).first();
    await knex.destroy();
    return { mode: options.mainThread ? 'main thread' : 'worker thread', resultRows: Number(counted?.n ?? 0), idle, reports, ...(dashboards ? { dashboards } : {}) };
  } finally {
    child.removeAllListeners('exit');
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 15_000).unref();
    });
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// `npx tsx bench/head-of-line.ts`: before (main thread) and after (worker thread), as Markdown.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const rows = ['| assessment | jobs on | load | requests | p50 ms | p99 ms | max ms | report ms |', '|---|---|---|---:|---:|---:|---:|---:|'];
  for (const objects of [0, Number(process.env.HOL_OBJECTS ?? 100)]) {
    for (const mainThread of [true, false]) {
      const f = await benchHeadOfLine({ mainThread, objects });
      const label = `${objects ? `${objects} objects` : 'demo'} (${f.resultRows} results)`;
      rows.push(`| ${label} | ${f.mode} | idle | ${f.idle.requests} | ${f.idle.p50} | ${f.idle.p99} | ${f.idle.max} | |`);
      for (const r of f.reports) rows.push(`| ${label} | ${f.mode} | ${r.format} test report (${r.status}) | ${r.healthz.requests} | ${r.healthz.p50} | ${r.healthz.p99} | ${r.healthz.max} | ${r.reportMs} |`);
    }
  }
  console.log(rows.join('\n'));
  agent.destroy();
}
