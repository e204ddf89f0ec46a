/**
 * Bench section: reads and writes on a generated portfolio, through HTTP on an in-process app
 * (loopback, warm, one client). Seeds with seedPortfolio, then measures what a user waits for:
 * dashboard, lists, an assessment's results, summary and workspace, a bulk write of 300 results.
 * Figures only; the targets are the (#16, at 10,000 systems).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import { createApp } from '../server/app.js';
import { shippedCatalogue } from '../server/catalogue/index.js';
import { parseConfig, type Config } from '../server/config.js';
import { engineOf, migrateLatest } from '../server/database/index.js';
import { createLogger } from '../server/logger.js';
import { FsBlobStore } from '../server/storage/fs-blob-store.js';
import { PORTFOLIO_PASSWORD, seedPortfolio } from './seed/portfolio.js';
import { measure, type BenchTable } from './table.js';

const SECTION = 'portfolio';

/** Returns the generated officer's username (password PORTFOLIO_PASSWORD), for measures against a server process. */
export async function benchPortfolio(knex: Knex, table: BenchTable, opts: { systems: number; seed?: number; runs?: number }): Promise<{ officerUsername: string }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'dengbao-bench-portfolio-'));
  const runs = opts.runs ?? 7;
  try {
    await migrateLatest(knex);
    const t0 = performance.now();
    const p = await seedPortfolio(knex, { systems: opts.systems, seed: opts.seed ?? 1, store: new FsBlobStore(path.join(dataDir, 'evidence')) });
    table.add({ section: SECTION, name: `seed ${opts.systems} systems, ${p.assessmentIds.length} assessments`, figure: `${((performance.now() - t0) / 1000).toFixed(1)} s, database ${await databaseMb(knex)} MB` });

    const base = parseConfig({ DATA_DIR: dataDir, NODE_ENV: 'production', LOG_LEVEL: 'silent' });
    const config: Config = { ...base, database: { engine: engineOf(knex), url: 'bench', poolMax: 1 }, sessionSecret: 'bench-secret-bench-secret-bench-secret-12' };
    const app = createApp({ db: knex, config, logger: createLogger('silent') });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const officer = await login(origin, p.officerUsername);
      const consultant = await login(origin, p.consultantUsername);
      const get = (cookie: string, url: string) => async () => {
        const res = await fetch(origin + url, { headers: { cookie, accept: url.startsWith('/api/') ? 'application/json' : 'text/html' } });
        const body = await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`${url}: ${res.status} ${Buffer.from(body).toString('utf8').slice(0, 200)}`);
        return body.byteLength;
      };
      const row = async (name: string, fn: () => Promise<number>, target?: string) => {
        const s = await measure(fn, runs, 1);
        table.add({ section: SECTION, name, stats: s, figure: kb(s.last), target });
      };
      // The assessment with the most rows that is still open for writes: the heaviest workspace and bulk target.
      const open = await knex('assessments').whereIn('id', p.assessmentIds).where('status', 'in_progress').select('id');
      const sizes = await knex('assessment_results').whereIn('assessment_id', open.map((a: { id: string }) => a.id)).groupBy('assessment_id').select('assessment_id').count({ n: '*' });
      const big = sizes.sort((a: Record<string, any>, b: Record<string, any>) => Number(b.n) - Number(a.n))[0] as Record<string, any>;
      const id = big.assessment_id as string;
      const layer = largestLayer(await knex('assessment_results').where({ assessment_id: id }).select('code'));

      await row('dashboard /', get(officer, '/'), engineOf(knex) === 'postgres' ? '≤ 300 ms' : '≤ 200 ms');
      await row('GET /api/v1/systems (first page of 100)', get(officer, '/api/v1/systems'), '≤ 100 ms');
      await row('GET /api/v1/deadlines?within=60 (first page)', get(officer, '/api/v1/deadlines?within=60'), '≤ 100 ms');
      await row(`GET results of one assessment (${big.n} rows)`, get(officer, `/api/v1/assessments/${id}/results`), '≤ 100 ms');
      await row(`GET results, one layer (${layer})`, get(officer, `/api/v1/assessments/${id}/results?layer=${layer}`), '≤ 100 ms');
      await row('GET summary of one assessment', get(officer, `/api/v1/assessments/${id}/summary`), '≤ 100 ms');
      await row(`workspace page, layer ${layer}`, get(officer, `/assessments/${id}?layer=${layer}`), '≤ 100 ms');
      await row('GET /api/v1/evidence (first page)', get(officer, '/api/v1/evidence'), '≤ 100 ms');

      // Bulk update of 300 results, alternating values so each run really writes.
      const results = (await (await fetch(`${origin}/api/v1/assessments/${id}/results`, { headers: { cookie: consultant } })).json()).data as Array<Record<string, any>>;
      const batch = results.slice(0, 300);
      let flip = false;
      const bulk = async () => {
        flip = !flip;
        const res = await fetch(`${origin}/api/v1/assessments/${id}/results/bulk`, {
          method: 'POST',
          headers: { cookie: consultant, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ results: batch.map((r) => ({ code: r.code, objectId: r.objectId ?? 'system', value: flip ? 'conform' : 'partial', rowVersion: r.rowVersion })) }),
        });
        const body = await res.json();
        if (res.status !== 200) throw new Error(`bulk: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
        const next = new Map((body.data as Array<Record<string, any>>).map((r) => [`${r.code}|${r.objectId ?? 'system'}`, r.rowVersion]));
        for (const r of batch) r.rowVersion = next.get(`${r.code}|${r.objectId ?? 'system'}`) ?? r.rowVersion;
        return 0;
      };
      const s = await measure(bulk, runs, 1);
      table.add({ section: SECTION, name: 'bulk update of 300 results', stats: s, target: '≤ 150 ms' });
      // The dashboard right after a write: that assessment's summary is recomputed once.
      await row('dashboard / after a bulk write (one summary recomputed)', async () => (await bulk(), await get(officer, '/')()), undefined);
      return { officerUsername: p.officerUsername };
    } finally {
      await new Promise((r) => server.close(r));
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function login(origin: string, username: string): Promise<string> {
  const res = await fetch(`${origin}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: PORTFOLIO_PASSWORD }) });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status}`);
  return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

async function databaseMb(knex: Knex): Promise<string> {
  const bytes =
    engineOf(knex) === 'postgres'
      ? Number((await knex.raw('select pg_database_size(current_database()) as n')).rows[0].n)
      : Number((await knex.raw('pragma page_count'))[0].page_count) * Number((await knex.raw('pragma page_size'))[0].page_size);
  return (bytes / 1024 / 1024).toFixed(0);
}

function largestLayer(rows: Array<{ code: string }>): string {
  const cat = shippedCatalogue();
  const n = new Map<string, number>();
  for (const r of rows) {
    const l = cat.byCode.get(r.code)?.layer ?? '?';
    n.set(l, (n.get(l) ?? 0) + 1);
  }
  return [...n].sort((a, b) => b[1] - a[1])[0]![0];
}

const kb = (bytes: number) => (bytes ? `${(bytes / 1024).toFixed(0)} KB` : '');
