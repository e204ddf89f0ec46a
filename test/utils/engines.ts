import pg from 'pg';
import type { DatabaseEngine } from '../../server/config.js';

export const TEST_PG_URL = process.env.TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
/** Set by .ci/run: the run fails unless the PostgreSQL suites ran. */
export const REQUIRE_PG = process.env.TEST_REQUIRE_PG === '1';

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const pgUp = await postgresReachable();
if (REQUIRE_PG && !pgUp) {
  throw new Error(`TEST_REQUIRE_PG=1 but PostgreSQL is not reachable at ${TEST_PG_URL}`);
}
if (!pgUp) console.warn(`PostgreSQL not reachable at ${TEST_PG_URL}: database suites run on SQLite only`);

/** The engines every database suite runs on: SQLite always, PostgreSQL when reachable. */
export const ENGINES: DatabaseEngine[] = pgUp ? ['sqlite', 'postgres'] : ['sqlite'];

/** Counts suites that really ran on PostgreSQL (checked by the root hook when REQUIRE_PG). */
export const pgSuitesRun = { count: 0 };
