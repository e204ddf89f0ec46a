/**
 * Rows measured against a real server process: the compiled server (`npm start`'s form) spawned on
 * the bench database — time to the first /healthz 200, throughput with 50 connections on a read
 * and a write route (autocannon, loopback, bounded), and a report job requested through the API
 * with the peak RSS of the node process and of its Chromium separately (from /proc).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { summarize, type BenchTable } from './table.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number; p97_5: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface BenchServer {
  url: string;
  child: ChildProcess;
  startMs: number;
  stop(): Promise<void>;
}

/** Spawns `node dist/server/main.js` (built first if the sources are newer) and waits for /healthz. */
export async function startBenchServer(env: Record<string, string>): Promise<BenchServer> {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs'), '--if-stale'], { stdio: 'inherit' });
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const t0 = performance.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'server', 'main.js')], { env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`bench server exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/healthz`).then((r) => r.status === 200, () => false);
    if (ok) break;
    if (performance.now() - t0 > 180_000) throw new Error('bench server did not answer /healthz within 180 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  const startMs = performance.now() - t0;
  return {
    url,
    child,
    startMs,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export async function signInCookie(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (res.status !== 200) throw new Error(`sign-in as ${username}: ${res.status}`);
  return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

const throughputFigure = (r: AutocannonResult, target?: string) => ({
  stats: { median: r.latency.p50, p95: r.latency.p97_5, runs: 0 },
  figure: `${r.requests.average.toFixed(0)} req/s (p99 ${r.latency.p99} ms; non-2xx ${r.non2xx}, errors ${r.errors + r.timeouts})`,
  ...(target ? { target } : {}),
});

/** 50 connections for `seconds` on GET /api/v1/systems only, e.g. on a generated portfolio where each page holds 100 systems. */
export async function benchReadThroughput(server: BenchServer, cookie: string, label: string, table: BenchTable, seconds = 5): Promise<void> {
  const read = await autocannon({ url: `${server.url}/api/v1/systems`, connections: 50, duration: seconds, headers: { cookie } });
  table.add({ section: 'throughput (50 connections, loopback)', name: `read: GET /api/v1/systems, ${label} (${seconds} s; latency p50 / p97.5)`, ...throughputFigure(read, '≥ 2,000 req/s') });
}

/** 50 connections for `seconds` on GET /api/v1/systems and on PUT of one result each (row versions followed per connection). */
export async function benchThroughput(server: BenchServer, cookie: string, assessmentId: string, table: BenchTable, seconds = 5): Promise<void> {
  const headers = { cookie, 'content-type': 'application/json' };
  const read = await autocannon({ url: `${server.url}/api/v1/systems`, connections: 50, duration: seconds, headers });
  table.add({ section: 'throughput (50 connections, loopback)', name: `read: GET /api/v1/systems (${seconds} s; latency p50 / p97.5)`, ...throughputFigure(read, '≥ 2,000 req/s') });

  const list = (await (await fetch(`${server.url}/api/v1/assessments/${assessmentId}/results`, { headers })).json()) as { data: Array<{ code: string; objectId: string | null; rowVersion: number }> };
  const rows = list.data;
  const versions = new Map(rows.map((r) => [`${r.code}|${r.objectId}`, r.rowVersion]));
  let connections = 0;
  const write = await autocannon({
    url: server.url,
    connections: 50,
    duration: seconds,
    headers,
    requests: [
      {
        method: 'PUT',
        // Each connection cycles through its own rows, so no two writes race for one row version.
        setupRequest: (req: Record<string, unknown>, ctx: { k?: number; i?: number; row?: (typeof rows)[number] }) => {
          ctx.k ??= connections++ % 50;
          const mine = rows.filter((_, j) => j % 50 === ctx.k);
          const row = mine[(ctx.i = ((ctx.i ?? -1) + 1) % Math.max(1, mine.length))] ?? rows[0]!;
          ctx.row = row;
          const value = ['conform', 'partial', 'nonconform'][ctx.i % 3];
          return { ...req, path: `/api/v1/assessments/${assessmentId}/results/${row.code}`, body: JSON.stringify({ objectId: row.objectId, value, record: `bench ${ctx.i}`, rowVersion: versions.get(`${row.code}|${row.objectId}`) }) };
        },
        onResponse: (status: number, body: string, ctx: { row?: (typeof rows)[number] }) => {
          if (status === 200 && ctx.row) versions.set(`${ctx.row.code}|${ctx.row.objectId}`, (JSON.parse(body) as { rowVersion: number }).rowVersion);
        },
      },
    ],
  });
  table.add({ section: 'throughput (50 connections, loopback)', name: `write: PUT one result with its row version (${seconds} s; latency p50 / p97.5)`, ...throughputFigure(write) });
}

/**
 * Resident set size (kB, VmRSS from /proc) of a process, of its node descendants (the report
 * process) and of its other descendants (Chromium and its helpers).
 */
function rssKb(pid: number): { self: number; nodeChildren: number; children: number } {
  const status = (p: number) => readFileSync(`/proc/${p}/status`, 'utf8');
  const read = (text: string) => Number(/VmRSS:\s+(\d+)/.exec(text)?.[1] ?? 0);
  const parents = new Map<number, number[]>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const ppid = Number(/PPid:\s+(\d+)/.exec(status(Number(name)))?.[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(name)]);
    } catch {
      /* gone */
    }
  }
  let children = 0;
  let nodeChildren = 0;
  const walk = (p: number) => {
    for (const c of parents.get(p) ?? []) {
      try {
        const text = status(c);
        if (/^Name:\s+node\b/m.test(text)) nodeChildren += read(text);
        else children += read(text);
      } catch {
        /* gone */
      }
      walk(c);
    }
  };
  walk(pid);
  return { self: read(status(pid)), nodeChildren, children };
}

/** A PDF test report through the API: time from request to done, peak RSS of the server's node process and of its Chromium. */
export async function benchReportJob(server: BenchServer, cookie: string, assessmentId: string, label: string, targetMb: number, table: BenchTable): Promise<void> {
  const headers = { cookie, 'content-type': 'application/json' };
  let peakSelf = 0;
  let peakNodeChildren = 0;
  let peakChildren = 0;
  const sample = () => {
    try {
      const r = rssKb(server.child.pid!);
      peakSelf = Math.max(peakSelf, r.self);
      peakNodeChildren = Math.max(peakNodeChildren, r.nodeChildren);
      peakChildren = Math.max(peakChildren, r.children);
    } catch {
      /* exited */
    }
  };
  const sampler = setInterval(sample, 100);
  const t0 = performance.now();
  try {
    const job = (await (await fetch(`${server.url}/api/v1/assessments/${assessmentId}/reports`, { method: 'POST', headers, body: JSON.stringify({ type: 'test_report', format: 'pdf', lang: 'zh-CN' }) })).json()) as { id: string };
    let status = { status: 'queued', error: null as string | null };
    while (!['done', 'failed'].includes(status.status)) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await (await fetch(`${server.url}/api/v1/reports/${job.id}`, { headers })).json()) as typeof status;
    }
    const ms = performance.now() - t0;
    sample();
    const section = `server process: PDF test report job (${label})`;
    if (status.status !== 'done') return table.add({ section, name: 'report job', figure: `failed: ${status.error}` });
    table.add({ section, name: 'request → done, through the API', stats: summarize([ms]) });
    table.add({ section, name: 'peak RSS of the node server process (VmRSS, sampled every 100 ms)', figure: mb(peakSelf), target: `≤ ${targetMb} MB` });
    // On PostgreSQL the job runs in the server process itself (JOBS=on): there is no report child.
    table.add({ section, name: 'peak RSS of the report process (the server\'s node child: assembly and rendering)', figure: peakNodeChildren ? mb(peakNodeChildren) : 'none: the job ran in the server process' });
    table.add({ section, name: 'peak RSS of Chromium (all its processes)', figure: mb(peakChildren) });
  } finally {
    clearInterval(sampler);
  }
}
