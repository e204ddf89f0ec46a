// The report thread (SQLite): its own connection to the database file (WAL: the web thread's
// reads proceed while this one assembles), its own catalogue, store and printer. Assembly and
// rendering are synchronous work that would otherwise stall every request of the web thread.
import { parentPort, workerData } from 'node:worker_threads';
import type { Config } from '../server/config.js';
import { loadControlsPackage } from '../server/controls/package.js';
import { createDatabase } from '../server/database/index.js';
import { createLogger } from '../server/logger.js';
import { createBlobStore } from '../server/storage/index.js';
import { BrowserLocator } from './pdf/browser.js';
import { PdfPrinter } from './pdf/chromium.js';
import { runReportJob, type ReportJobData } from './jobs.js';

const config = (workerData as { config: Config }).config;
const knex = createDatabase(config.database);
const deps = {
  // The thread reads the same controls package (CATALOGUE_DIR) and store (EVIDENCE_STORE) as the server.
  catalogue: loadControlsPackage(config.catalogueDir),
  store: createBlobStore(config),
  printer: new PdfPrinter(new BrowserLocator({ configured: config.chromiumPath, cacheDir: config.browserCacheDir, allowDownload: config.browserDownload })),
  logger: createLogger(config.logLevel).child({ thread: 'reports' }),
};

type Message = { close: true } | { seq: number; job: { data: ReportJobData; final: boolean; attempt: number } };

parentPort!.on('message', async (m: Message) => {
  if ('close' in m) {
    await deps.printer.close().catch(() => undefined);
    await knex.destroy().catch(() => undefined);
    parentPort!.postMessage({ closed: true });
    return;
  }
  try {
    await runReportJob(knex, deps, m.job);
    parentPort!.postMessage({ seq: m.seq, ok: true });
  } catch (err) {
    parentPort!.postMessage({ seq: m.seq, ok: false, message: (err as Error).message });
  }
});
parentPort!.postMessage({ ready: true });
