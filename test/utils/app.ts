import type { Express } from 'express';
import supertest from 'supertest';
import { createApp } from '../../server/app.js';
import { parseConfig, type Config } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { loadDemoData, readDemoData } from '../../server/services/demo.js';
import type { TestDatabase } from './database.js';
import { createBlobStore } from '../../server/storage/index.js';
import type { PdfPrinter } from '../../reports/pdf/chromium.js';

export const DEMO_PASSWORD = readDemoData().password;

export function testConfig(db: TestDatabase, overrides: Partial<Config> = {}): Config {
  const base = parseConfig({ DATA_DIR: db.dataDir, NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  return { ...base, database: db.database, sessionSecret: 'test-secret-test-secret-test-secret-1234', ...overrides };
}

/** createApp() on a migrated test database with the demo organisations and users. */
export async function createTestApp(db: TestDatabase, overrides: Partial<Config> = {}, options: { printer?: PdfPrinter } = {}): Promise<Express> {
  const config = testConfig(db, overrides);
  // The demo's evidence files go where the configuration says (DATA_DIR/evidence, or a bucket).
  const store = createBlobStore(config);
  await loadDemoData(db.knex, undefined, { store });
  return createApp({ db: db.knex, config, logger: createLogger(process.env.TEST_LOG_LEVEL ?? 'silent'), printer: options.printer, store });
}

export type Agent = ReturnType<typeof supertest.agent>;

/** A supertest agent signed in as a demo user (its cookie jar holds the session). */
export async function signIn(app: Express, username: string, password = DEMO_PASSWORD): Promise<Agent> {
  const agent = supertest.agent(app);
  const res = await agent.post('/api/v1/auth/login').send({ username, password });
  if (res.status !== 200) throw new Error(`sign-in as ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return agent;
}

/** Ids of the demo organisations by their English name prefix. */
export async function demoOrganizations(db: TestDatabase): Promise<{ citybrain: string; bank: string }> {
  const rows = await db.knex('organizations').select('id', 'name_en');
  const find = (prefix: string) => rows.find((r: { name_en: string }) => r.name_en.startsWith(prefix))!.id as string;
  return { citybrain: find('Example City Brain'), bank: find('Example Commercial Bank') };
}
