import { appendFileSync } from 'node:fs';
import { pgSuitesRun, REQUIRE_PG } from './engines.js';

// Root hook plugin: with TEST_REQUIRE_PG=1 (CI), a run in which no suite ran on PostgreSQL fails.
// In parallel mode root hooks run once per file, in worker processes: there the check is left to
// engines.ts, which already refuses to start without a reachable PostgreSQL under TEST_REQUIRE_PG=1.
const parallelWorker = process.env.MOCHA_WORKER_ID !== undefined;

// TEST_TIMINGS=<file>: each test file's wall time (its hooks included) is appended to <file>, to
// find where the suite's minutes go. Parallel mode runs these root hooks once per file.
const timings = process.env.TEST_TIMINGS;
let fileStart = 0;
const fileOf = (ctx: Mocha.Context) => ctx.test?.parent?.suites.find((s) => s.file)?.file ?? ctx.test?.parent?.file ?? '?';

export const mochaHooks = {
  beforeAll() {
    fileStart = Date.now();
  },
  afterAll(this: Mocha.Context) {
    if (timings && parallelWorker) appendFileSync(timings, `${((Date.now() - fileStart) / 1000).toFixed(1)}\t${fileOf(this).replace(process.cwd() + '/', '')}\n`);
    if (parallelWorker) return;
    if (REQUIRE_PG && pgSuitesRun.count === 0) {
      throw new Error('TEST_REQUIRE_PG=1 but no database suite ran on PostgreSQL');
    }
    if (REQUIRE_PG) console.log(`PostgreSQL suites run: ${pgSuitesRun.count}`);
  },
};
