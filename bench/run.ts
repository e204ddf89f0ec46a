/**
 * npm run bench [-- --systems N] [--only <section>] [--engine sqlite|pg]
 *
 * One Markdown table per engine (SQLite; PostgreSQL when reachable at BENCH_PG_URL or
 * 127.0.0.1:5432), median and p95 of repeated runs, ratios measured in the same run, the issue's
 * targets beside them. Sections: reports (demo, 40 and 300 objects: PDF against Chromium alone,
 * docx, xlsx against raw exceljs), server (start time, report jobs with peak memory, throughput),
 * portfolio (--systems N), workspace and head-of-line (SQLite). Figures only: the bench asserts nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { shippedCatalogue } from '../server/catalogue/index.js';
import { createDatabase, migrateLatest, type Knex } from '../server/database/index.js';
import type { Config } from '../server/config.js';
import { loadCaller } from '../server/services/callers.js';
import { loadDemoData, readDemoData } from '../server/services/demo.js';
import { FsBlobStore } from '../server/storage/fs-blob-store.js';
import { findChromium, PdfPrinter } from '../reports/pdf/chromium.js';
import { bigAssessment } from './big-assessment.js';
import { benchReports } from './reports.js';
import { benchReadThroughput, benchReportJob, benchThroughput, signInCookie, startBenchServer } from './server.js';
import { PORTFOLIO_PASSWORD } from './seed/portfolio.js';
import { BenchTable } from './table.js';
import { benchPortfolio } from './portfolio.js';
import { benchWorkspace } from './workspace.js';
import { benchHeadOfLine } from './head-of-line.js';

const SECTIONS = ['reports', 'server', 'portfolio', 'workspace', 'head-of-line'] as const;
type Section = (typeof SECTIONS)[number];

const { values: args } = parseArgs({
  options: {
    systems: { type: 'string', default: '10000' },
    only: { type: 'string' },
    engine: { type: 'string' },
    'big-objects': { type: 'string', default: '300' },
  },
});
const only = args.only as Section | undefined;
if (only && !SECTIONS.includes(only)) throw new Error(`--only takes one of ${SECTIONS.join(', ')}`);
const wants = (s: Section) => !only || only === s;
const systems = Number(args.systems);
const PG_URL = process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

interface BenchDatabase {
  label: string;
  database: Config['database'];
  dataDir: string;
  knex: Knex;
  drop(): Promise<void>;
}

async function openDatabase(engine: 'sqlite' | 'pg'): Promise<BenchDatabase | undefined> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'dengbao-bench-'));
  if (engine === 'sqlite') {
    const filename = path.join(dataDir, 'bench.sqlite');
    const database: Config['database'] = { engine: 'sqlite', url: `sqlite:${filename}`, filename, poolMax: 1 };
    const knex = createDatabase(database);
    return { label: 'SQLite', database, dataDir, knex, drop: async () => (await knex.destroy(), rmSync(dataDir, { recursive: true, force: true })) };
  }
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await admin.connect();
  } catch {
    rmSync(dataDir, { recursive: true, force: true });
    return undefined;
  }
  const name = `dengbao_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  const database: Config['database'] = { engine: 'postgres', url: url.toString(), poolMax: 10 };
  const knex = createDatabase(database);
  return {
    label: 'PostgreSQL',
    database,
    dataDir,
    knex,
    drop: async () => {
      await knex.destroy();
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}


/** A section that fails leaves a row saying why; the other sections still run. */
async function guard(table: BenchTable, section: string, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    console.error(err);
    table.add({ section, name: 'failed', figure: String((err as Error).message).slice(0, 200) });
  }
}

async function benchEngine(db: BenchDatabase, printer: PdfPrinter | undefined): Promise<BenchTable> {
  const table = new BenchTable(`${db.label} (${new Date().toISOString().slice(0, 10)}, ${(await import('node:os')).cpus().length} cores, load ${(await import('node:os')).loadavg()[0]!.toFixed(1)})`);
  const { knex } = db;
  await migrateLatest(knex);
  await loadDemoData(knex, undefined, { store: new FsBlobStore(path.join(db.dataDir, 'evidence')) });
  const officer = await knex('users').where({ username: 'officer' }).first();
  const caller = (await loadCaller(knex, officer.id, 'session'))!;
  const demo = (await knex('assessments').where({ kind: 'formal_test' }).first()).id as string;
  const needBig = wants('reports') || wants('server') || wants('workspace');
  const forty = needBig ? await bigAssessment(knex, caller, 40) : undefined;
  const big = needBig ? await bigAssessment(knex, caller, Number(args['big-objects'])) : undefined;

  if (wants('reports') && forty && big) {
    await printer?.pdf('<p>warm-up</p>');
    await guard(table, 'reports', () => benchReports(knex, caller, shippedCatalogue(), printer, [
      { label: 'demo', assessmentId: demo, runs: 5 },
      { label: '40 objects', assessmentId: forty, runs: 3 },
      { label: `${args['big-objects']} objects`, assessmentId: big, runs: 1 },
    ], table));
  }

  if (wants('server') && forty && big) {
    const server = await startBenchServer({ DATABASE_URL: db.database.url, DATA_DIR: db.dataDir });
    try {
      table.add({ section: 'server process', name: 'spawn → first /healthz 200 (compiled, existing database)', stats: { median: server.startMs, p95: server.startMs, runs: 1 }, target: '≤ 3,000 ms' });
      const cookie = await signInCookie(server.url, 'consultant', readDemoData().password);
      if (printer) {
        await guard(table, 'server: report job', () => benchReportJob(server, cookie, forty, '40 objects', 300, table));
        await guard(table, 'server: report job', () => benchReportJob(server, cookie, big, `${args['big-objects']} objects`, 600, table));
      }
      await guard(table, 'throughput', () => benchThroughput(server, cookie, demo, table));
    } finally {
      await server.stop();
    }
  }

  // Portfolio: dashboard, systems list, deadlines, results page, summary, workspace, bulk 300,
  // evidence list at --systems N (bench/portfolio.ts seeds it into this database).
  if (wants('portfolio')) {
    await guard(table, 'portfolio', async () => {
      const p = await benchPortfolio(knex, table, { systems });
      // The read route again, on a server process over the whole portfolio (a page is 100 systems, ~82 KB).
      const server = await startBenchServer({ DATABASE_URL: db.database.url, DATA_DIR: db.dataDir });
      try {
        await benchReadThroughput(server, await signInCookie(server.url, p.officerUsername, PORTFOLIO_PASSWORD), `${systems.toLocaleString('en')} systems, first page of 100`, table);
      } finally {
        await server.stop();
      }
    });
  }

  // The workspace page of the demo's largest layer: server time and HTML size (bench/workspace.ts).
  if (wants('workspace')) await guard(table, 'workspace', async () => void (await benchWorkspace(table, { database: db.database, assessmentId: demo, big: big ? { assessmentId: big, label: `${args['big-objects']} objects` } : undefined })));

  // Head-of-line blocking: /healthz while a report renders on a real server. SQLite only: its
  // synchronous driver is the engine where one slow request can stall the others.
  if (wants('head-of-line')) {
    if (db.database.engine !== 'sqlite') table.add({ section: 'head-of-line', name: '/healthz while a report renders', figure: 'SQLite only (the PostgreSQL driver does not block the event loop)' });
    else
      await guard(table, 'head-of-line', async () => {
        const f = await benchHeadOfLine({ formats: ['pdf', 'html'], dashboards: 2 });
        table.add({ section: 'head-of-line', name: `/healthz, idle (${f.mode})`, stats: { median: f.idle.p50, p95: f.idle.p99, runs: f.idle.requests }, figure: `p99 ${f.idle.p99.toFixed(0)} ms, max ${f.idle.max.toFixed(0)} ms`, target: 'p99 < 50 ms' });
        for (const r of f.reports) {
          table.add({ section: 'head-of-line', name: `/healthz while a ${r.format.toUpperCase()} test report renders (${f.resultRows} results, ${(r.reportMs / 1000).toFixed(1)} s)`, stats: { median: r.healthz.p50, p95: r.healthz.p99, runs: r.healthz.requests }, figure: `p99 ${r.healthz.p99.toFixed(0)} ms, max ${r.healthz.max.toFixed(0)} ms`, target: 'p99 < 50 ms' });
        }
        const d = f.dashboards;
        if (d) {
          const row = (name: string, h: typeof d.alone.healthz, dash: typeof d.alone.dashboard) =>
            table.add({ section: 'head-of-line', name, stats: { median: h.p50, p95: h.p99, runs: h.requests }, figure: `p99 ${h.p99.toFixed(0)} ms, max ${h.max.toFixed(0)} ms; dashboard p50 ${dash.p50.toFixed(0)} ms (${dash.requests} loads)`, target: 'p99 < 50 ms' });
          row(`/healthz while ${d.clients} clients load the dashboard back to back`, d.alone.healthz, d.alone.dashboard);
          row(`/healthz while ${d.clients} clients load the dashboard and an HTML test report renders (${(d.withReport.reportMs / 1000).toFixed(1)} s)`, d.withReport.healthz, d.withReport.dashboard);
        }
      });
  }
  return table;
}

async function main() {
  const engines = args.engine ? [args.engine === 'postgres' ? 'pg' : args.engine] : ['sqlite', 'pg'];
  for (const e of engines) if (e !== 'sqlite' && e !== 'pg') throw new Error('--engine takes sqlite or pg');
  const chromium = findChromium(process.env.CHROMIUM_PATH);
  const printer = chromium ? new PdfPrinter(chromium, 1, 600_000) : undefined;
  const tables: string[] = [];
  try {
    for (const engine of engines as Array<'sqlite' | 'pg'>) {
      const db = await openDatabase(engine);
      if (!db) {
        tables.push(`### PostgreSQL\n\nskipped: not reachable at ${PG_URL} (set BENCH_PG_URL)`);
        continue;
      }
      try {
        const table = await benchEngine(db, printer);
        tables.push(table.toMarkdown());
        console.error(table.toMarkdown() + '\n'); // progress while the next engine runs
      } finally {
        await db.drop();
      }
    }
  } finally {
    await printer?.close();
  }
  console.log(`\n## dengbao bench\n\n${tables.join('\n\n')}\n`);
}

await main();
