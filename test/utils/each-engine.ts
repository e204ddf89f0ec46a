import type { DatabaseEngine } from '../../server/config.js';
import { auditSettled } from '../../server/audit/middleware.js';
import { migrateLatest } from '../../server/database/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { ENGINES, pgSuitesRun } from './engines.js';

export interface EngineContext {
  engine: DatabaseEngine;
  /** Valid inside hooks and tests (set in `before`). */
  db: TestDatabase;
}

/**
 * Declares a suite once per engine (SQLite, and PostgreSQL when reachable), each on a fresh
 * database. `migrate: false` leaves the database empty (for migration tests).
 */
export function describeEachEngine(
  title: string,
  body: (ctx: EngineContext) => void,
  options: { migrate?: boolean } = {},
): void {
  for (const engine of ENGINES) {
    describe(`${title} [${engine}]`, function () {
      const ctx = { engine } as EngineContext;
      before(async function () {
        ctx.db = await createTestDatabase(engine);
        if (options.migrate !== false) await migrateLatest(ctx.db.knex);
        if (engine === 'postgres') pgSuitesRun.count++;
      });
      after(async function () {
        // Audit entries still being written after the last responses: dropping the database under
        // them left their connection requests waiting for the pool's timeout.
        const open = await auditSettled(20_000);
        await ctx.db?.drop();
        // A request still open here was left running by a test (or hangs in the server).
        if (open.length) throw new Error(`audit entries still pending after the suite: ${open.join('; ')}`);
      });
      body(ctx);
    });
  }
}
