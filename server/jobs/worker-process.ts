import { CatalogueError, type Catalogue } from '../catalogue/index.js';
import { loadControlsPackage } from '../controls/package.js';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { createDatabase, migrateLatest } from '../database/index.js';
import { createLogger } from '../logger.js';
import { createBlobStore } from '../storage/index.js';
import { BrowserLocator } from '../../reports/pdf/browser.js';
import { PdfPrinter } from '../../reports/pdf/chromium.js';
import { createJobQueue, recoverReports, startWorkers } from './index.js';

export const WORKER_NEEDS_POSTGRES =
  'dengbao worker needs PostgreSQL (DATABASE_URL=postgres://…): with SQLite the database is one file on one machine, and the server process runs the jobs itself (on a worker thread).';

/**
 * `dengbao worker`: a process that runs background jobs and serves no HTTP. Any number of them,
 * on any machine that reaches the PostgreSQL database and the evidence store, share the queue.
 * Returns an exit code, or -1 while it runs (it exits on SIGTERM / SIGINT).
 */
export async function runWorker(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let config: Config;
  let catalogue: Catalogue;
  try {
    config = loadConfig(env);
    catalogue = loadControlsPackage(config.catalogueDir);
  } catch (err) {
    if (err instanceof ConfigError || err instanceof CatalogueError) {
      console.error(err.message);
      return 2;
    }
    throw err;
  }
  if (config.database.engine !== 'postgres') {
    console.error(WORKER_NEEDS_POSTGRES);
    return 2;
  }
  const logger = createLogger(config.logLevel);
  const db = createDatabase(config.database);
  await migrateLatest(db);
  const printer = new PdfPrinter(new BrowserLocator({ configured: config.chromiumPath, cacheDir: config.browserCacheDir, allowDownload: config.browserDownload }));
  const store = createBlobStore(config);
  const queue = await createJobQueue(config, logger);
  const interrupted = await recoverReports(queue, db);
  if (interrupted) logger.warn({ reports: interrupted }, 'report jobs interrupted by a restart marked failed');
  const workers = await startWorkers(queue, db, config, { printer, store, catalogue, logger });
  console.log(`dengbao worker running (database: postgres, pid ${process.pid}): report jobs, ${config.jobs.concurrency} at a time`);
  const stop = async () => {
    // Running jobs get a bounded grace period; any cut short is retried by another worker.
    await queue.stop();
    await workers.stop();
    await printer.close();
    await db.destroy();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
  return -1;
}
