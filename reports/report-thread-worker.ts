// The report thread (SQLite): its own connection to the database file (WAL: the web thread's
// reads proceed while this one assembles), its own catalogue, store and printer. Assembly and
// rendering are synchronous work that would otherwise stall every request of the web thread.
import { parentPort, workerData } from 'node:worker_threads';
import type { Serializable } from 'node:child_process';
import type { Knex } from 'knex';
import type { Catalogue } from '../server/catalogue/index.js';
import type { Config } from '../server/config.js';
import type { Logger } from '../server/logger.js';
import type { BlobStore } from '../server/storage/blob-store.js';
import { loadControlsPackage } from '../server/controls/package.js';
import { createDatabase } from '../server/database/index.js';
import { createLogger } from '../server/logger.js';
import { createBlobStore } from '../server/storage/index.js';
import { BrowserLocator } from './pdf/browser.js';
import { PdfPrinter } from './pdf/chromium.js';
import { runReportJob, type ReportJobData } from './jobs.js';

type Message = { config: Config } | { close: true } | { seq: number; job: { data: ReportJobData; final: boolean; attempt: number } };

// A child process (report-thread.ts forks it) gets its configuration as its first message (not by
// environment: it holds secrets); a thread by workerData.
const channel: { post(m: unknown): void; on(fn: (m: Message) => void): void } = parentPort
  ? { post: (m) => parentPort!.postMessage(m), on: (fn) => parentPort!.on('message', fn) }
  : { post: (m) => process.send!(m as Serializable), on: (fn) => process.on('message', fn as (m: unknown) => void) };

type Deps = { knex: Knex; catalogue: Catalogue; store: BlobStore; printer: PdfPrinter; logger: Logger };
let deps: Deps | undefined;

function open(config: Config): Deps {
  return {
    knex: createDatabase(config.database),
    // The same controls package (CATALOGUE_DIR) and store (EVIDENCE_STORE) as the server.
    catalogue: loadControlsPackage(config.catalogueDir),
    store: createBlobStore(config),
    printer: new PdfPrinter(new BrowserLocator({ configured: config.chromiumPath, cacheDir: config.browserCacheDir, allowDownload: config.browserDownload })),
    logger: createLogger(config.logLevel).child({ thread: 'reports', pid: process.pid }),
  };
}

channel.on(async (m: Message) => {
  if ('config' in m) {
    deps = open(m.config);
    channel.post({ ready: true });
    return;
  }
  if ('close' in m) {
    await deps?.printer.close().catch(() => undefined);
    await deps?.knex.destroy().catch(() => undefined);
    channel.post({ closed: true });
    return;
  }
  try {
    await runReportJob(deps!.knex, deps!, m.job);
    channel.post({ seq: m.seq, ok: true });
  } catch (err) {
    channel.post({ seq: m.seq, ok: false, message: (err as Error).message });
  }
});

if (parentPort) {
  deps = open((workerData as { config: Config }).config);
  channel.post({ ready: true });
} else {
  // The server went away (even killed): this process ends too, closing its browser first.
  process.on('disconnect', () => {
    setTimeout(() => process.exit(1), 5000).unref();
    void deps?.printer.close().finally(() => process.exit(1));
  });
}
