import { pgSuitesRun, REQUIRE_PG } from './engines.js';

// Root hook plugin: with TEST_REQUIRE_PG=1 (CI), a run in which no suite ran on PostgreSQL fails.
export const mochaHooks = {
  afterAll(this: Mocha.Context) {
    if (REQUIRE_PG && pgSuitesRun.count === 0) {
      throw new Error('TEST_REQUIRE_PG=1 but no database suite ran on PostgreSQL');
    }
    if (REQUIRE_PG) console.log(`PostgreSQL suites run: ${pgSuitesRun.count}`);
  },
};
