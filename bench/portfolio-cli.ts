/**
 * npx tsx bench/portfolio-cli.ts --systems 1000 [--db <url>] — the portfolio section alone, on a
 * fresh SQLite file (default) or an EMPTY PostgreSQL database, printed as a Markdown table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../server/config.js';
import { createDatabase } from '../server/database/index.js';
import { benchPortfolio } from './portfolio.js';
import { BenchTable } from './table.js';

const { values } = parseArgs({ options: { systems: { type: 'string', default: '1000' }, db: { type: 'string' }, runs: { type: 'string', default: '7' } } });
const dir = mkdtempSync(path.join(tmpdir(), 'dengbao-bench-db-'));
const config = parseConfig({ DATA_DIR: dir, DATABASE_URL: values.db });
const knex = createDatabase(config.database);
const table = new BenchTable(config.database.engine === 'postgres' ? 'PostgreSQL' : 'SQLite');
try {
  await benchPortfolio(knex, table, { systems: Number(values.systems), runs: Number(values.runs) });
  console.log(table.toMarkdown());
} finally {
  await knex.destroy();
  rmSync(dir, { recursive: true, force: true });
}
