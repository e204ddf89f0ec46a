import { pgSuitesRun, REQUIRE_PG } from './engines.js';

// Root hook plugin: with TEST_REQUIRE_PG=1 (CI), a run in which no suite ran on PostgreSQL fails.
// In parallel mode root hooks run once per file, in worker processes: there the check is left to
// engines.ts, which already refuses to start without a reachable PostgreSQL under TEST_REQUIRE_PG=1.
const parallelWorker = process.env.MOCHA_WORKER_ID !== undefined;

export const mochaHooks = {
  afterAll(this: Mocha.Context) {
    if (parallelWorker) return;
    if (REQUIRE_PG && pgSuitesRun.count === 0) {
      throw new Error('TEST_REQUIRE_PG=1 but no database suite ran on PostgreSQL');
    }
    if (REQUIRE_PG) console.log(`PostgreSQL suites run: ${pgSuitesRun.count}`);
  },
};
