/**
 * npm run bench:seed -- --systems 10000 [--db <url>] [--seed N] [--assessments N]
 * Creates a generated portfolio in a migrated database: by default a new SQLite file under
 * DATA_DIR (or a new temp dir); `--db postgres://…` writes to PostgreSQL. Prints what it made,
 * how long it took and the database size.
 */
import { mkdirSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../../server/config.js';
import { createDatabase, migrateLatest } from '../../server/database/index.js';
import { FsBlobStore } from '../../server/storage/fs-blob-store.js';
import { PORTFOLIO_PASSWORD, seedPortfolio } from './portfolio.js';

const { values } = parseArgs({
  options: { systems: { type: 'string', default: '1000' }, db: { type: 'string' }, seed: { type: 'string', default: '1' }, assessments: { type: 'string' } },
});
const systems = Number(values.systems);
if (!Number.isInteger(systems) || systems < 1) throw new Error('--systems must be a positive integer');
const dataDir = process.env.DATA_DIR || mkdtempSync(path.join(tmpdir(), 'dengbao-portfolio-'));
mkdirSync(dataDir, { recursive: true });
const config = parseConfig({ DATA_DIR: dataDir, DATABASE_URL: values.db });
const knex = createDatabase(config.database);
try {
  await migrateLatest(knex);
  const t0 = performance.now();
  const p = await seedPortfolio(knex, {
    systems,
    seed: Number(values.seed),
    assessments: values.assessments ? Number(values.assessments) : undefined,
    store: new FsBlobStore(path.join(config.dataDir, 'evidence')),
  });
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  const count = async (t: string) => Number((await knex(t).count({ n: '*' }).first())?.n ?? 0);
  console.log(`portfolio: ${systems} systems, ${p.assessmentIds.length} assessments, ${await count('assessment_results')} result rows, ${await count('findings')} findings, ${await count('evidence')} evidence records in ${p.organizationIds.length} organisations — ${seconds} s`);
  if (config.database.filename) console.log(`database: ${config.database.filename} (${(statSync(config.database.filename).size / 1024 / 1024).toFixed(1)} MB)`);
  else console.log(`database: ${config.database.url.replace(/\/\/[^@]*@/, '//')}`);
  console.log(`DATA_DIR=${config.dataDir}; sign in as ${p.officerUsername} or ${p.consultantUsername} with password ${PORTFOLIO_PASSWORD}`);
} catch (err) {
  // A failed multi-row insert carries its whole SQL in the message: print the start only.
  console.error(String((err as Error).message ?? err).slice(0, 500));
  process.exitCode = 1;
} finally {
  await knex.destroy();
}
