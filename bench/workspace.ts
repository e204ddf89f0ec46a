/**
 * Workspace page at real volume: the demo formal test's largest layer (安全计算环境, ~490 rows),
 * served by the real app over loopback to a signed-in consultant. Measures the time to the last
 * byte (server time: the client only reads) and the HTML size, against the targets
 * (≤ 300 ms, ≤ 200 KB). Figures only: asserts nothing.
 *
 *   benchWorkspace(table)                  — SQLite in a throwaway directory
 *   benchWorkspace(table, { database })    — another database (e.g. a PostgreSQL URL) already created
 *   npx tsx bench/workspace.ts             — standalone, prints the table
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createApp } from '../server/app.js';
import { parseConfig, type Config } from '../server/config.js';
import { createDatabase, migrateLatest } from '../server/database/index.js';
import { createLogger } from '../server/logger.js';
import { loadDemoData, readDemoData } from '../server/services/demo.js';
import { FsBlobStore } from '../server/storage/fs-blob-store.js';
import { BenchTable, measure } from './table.js';
import { PART_PAGE_ROWS } from '../server/web/workspace-view.js';

export interface WorkspaceFigures {
  layer: string;
  rows: number;
  /** Bytes of the HTML of the page the user lands on for that layer. */
  bytes: number;
  medianMs: number;
  p95Ms: number;
}

export async function benchWorkspace(
  table: BenchTable,
  options: { database?: Config['database']; runs?: number; assessmentId?: string; big?: { assessmentId: string; label: string } } = {},
): Promise<WorkspaceFigures> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dengbao-bench-ws-'));
  const filename = path.join(dir, 'bench.sqlite');
  const database: Config['database'] = options.database ?? { engine: 'sqlite', url: `sqlite:${filename}`, filename, poolMax: 1 };
  const knex = createDatabase(database);
  const config: Config = { ...parseConfig({ DATA_DIR: dir, NODE_ENV: 'test', LOG_LEVEL: 'silent' }), database, sessionSecret: 'bench-secret-bench-secret-bench-secret-12' };
  const app = createApp({ db: knex, config, logger: createLogger('silent') });
  const server = app.listen(0, '127.0.0.1');
  const listening = new Promise((r) => server.once('listening', r));
  try {
    await migrateLatest(knex);
    await loadDemoData(knex, undefined, { store: new FsBlobStore(path.join(dir, 'evidence')) });
    await listening;
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'consultant', password: readDemoData().password }) });
    if (login.status !== 200) throw new Error(`bench sign-in failed: ${login.status}`);
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    // The demo's formal test (a shared bench database also holds generated and big assessments).
    const a = options.assessmentId ? await knex('assessments').where({ id: options.assessmentId }).first() : await knex('assessments').where({ kind: 'formal_test' }).first();
    // The largest layer by result rows (the units' layer is the code's middle part: L3-CES1-01 → CES).
    const rows: Array<{ code: string }> = await knex('assessment_results').where({ assessment_id: a.id }).select('code');
    const perLayer = new Map<string, number>();
    for (const r of rows) {
      const layer = /^L\d-([A-Z]{3})\d/.exec(r.code)?.[1] ?? '';
      perLayer.set(layer, (perLayer.get(layer) ?? 0) + 1);
    }
    const [layer, count] = [...perLayer].sort((x, y) => y[1] - x[1])[0]!;
    const url = `${base}/assessments/${a.id}?layer=${layer}`;
    const get = async () => {
      const res = await fetch(url, { headers: { cookie, 'accept-language': 'zh-CN' } });
      if (res.status !== 200) throw new Error(`workspace page answered ${res.status}`);
      return Buffer.byteLength(await res.text());
    };
    const stats = await measure(get, options.runs ?? 7, 2);
    const kb = stats.last / 1024;
    table.add({ section: 'workspace', name: `layer ${layer} (${count} rows): page time`, stats, target: '≤ 300 ms' });
    table.add({ section: 'workspace', name: `layer ${layer}: HTML size`, figure: `${kb.toFixed(0)} KiB`, target: '≤ 200 KB' });
    if (options.big) {
      // A big assessment's largest page: its first control point, shown a group of objects at a time.
      const bigUrl = `${base}/assessments/${options.big.assessmentId}?layer=CES&cp=0`;
      const bigStats = await measure(async () => {
        const res = await fetch(bigUrl, { headers: { cookie, 'accept-language': 'zh-CN' } });
        if (res.status !== 200) throw new Error(`workspace page answered ${res.status}`);
        return Buffer.byteLength(await res.text());
      }, options.runs ?? 7, 2);
      table.add({ section: 'workspace', name: `${options.big.label}, layer CES, first page (objects in groups)`, stats: bigStats, figure: `${(bigStats.last / 1024).toFixed(0)} KiB (up to ${PART_PAGE_ROWS} rows)`, target: '≤ 300 ms' });
    }
    return { layer, rows: count, bytes: stats.last, medianMs: stats.median, p95Ms: stats.p95 };
  } finally {
    await new Promise((r) => server.close(r));
    await (app.locals.deps as { printer: { close(): Promise<void> } }).printer.close();
    await knex.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const table = new BenchTable('SQLite');
  await benchWorkspace(table);
  console.log(table.toMarkdown());
}
