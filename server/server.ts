import { auditSettled } from './audit/middleware.js';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.js';
import type { AppDeps } from './http/request.js';
import { createBlobStore } from './storage/index.js';
import { CatalogueError, type Catalogue } from './catalogue/index.js';
import { loadControlsPackage } from './controls/package.js';
import { upsertCatalogue } from './catalogue/store.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { createDatabase, migrateLatest } from './database/index.js';
import { createLogger } from './logger.js';
import { installProcessGuard } from './process-guard.js';
import { createJobQueue, recoverReports, startWorkers } from './jobs/index.js';
import { AuthService } from './services/auth.js';
import { SecretBox } from './services/mfa.js';
import { loadDemoData, readDemoData } from './services/demo.js';
import { flagDemoPasswords } from './services/credentials.js';

/** Loads configuration, migrates, loads demo data on an empty database, and listens. */
export async function startServer(env: NodeJS.ProcessEnv = process.env): Promise<{ server: Server; url: string }> {
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);
  let listening: Server | undefined;
  installProcessGuard(logger, () => listening);
  let catalogue: Catalogue;
  try {
    // Every part of controls/ (or CATALOGUE_DIR) is read and checked before the server serves.
    catalogue = loadControlsPackage(config.catalogueDir);
  } catch (err) {
    if (err instanceof CatalogueError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const db = createDatabase(config.database);
  const applied = await migrateLatest(db);
  if (applied.length) logger.info({ migrations: applied }, 'migrations applied');
  const stored = await upsertCatalogue(db, catalogue);
  if (stored.created) logger.info({ version: stored.version, items: stored.itemCount }, 'catalogue version stored');
  const store = createBlobStore(config);
  const demo = config.demo ? readDemoData() : undefined;
  const demoLoaded = demo ? await loadDemoData(db, demo, { catalogue, store }) : false;
  if (demoLoaded) logger.info('demo data loaded');
  // Outside demo mode, demo accounts still on the published password must change it first.
  if (!config.demo) {
    const flagged = await flagDemoPasswords(db, readDemoData());
    if (flagged.length) logger.warn({ users: flagged }, 'demo accounts with the demo password must change it at next sign-in');
  }

  const auth = new AuthService(db, {
    idleMinutes: config.sessionIdleMinutes,
    maxHours: config.sessionMaxHours,
    maxFailures: config.loginMaxFailures,
    lockMinutes: config.loginLockMinutes,
    accountMaxFailures: config.identity.accountMaxFailures,
    ipMaxFailures: config.identity.ipMaxFailures,
  }, new SecretBox(config.identity.mfaEncryptionKey ?? config.sessionSecret));
  await auth.purgeExpiredSessions();
  // Uploads interrupted by a crash or restart leave temporary files only; remove them.
  const leftovers = await store.cleanTemporary();
  if (leftovers) logger.info({ files: leftovers }, 'removed interrupted uploads');
  // Report jobs of a previous process that no queue will run again: marked failed with the reason
  // (SQLite: all of them; PostgreSQL: those whose job is gone — live ones are retried by the queue).
  const jobs = await createJobQueue(config, logger);
  const interrupted = await recoverReports(jobs, db);
  if (interrupted) logger.warn({ reports: interrupted }, 'report jobs interrupted by a restart marked failed');
  const purge = setInterval(() => void auth.purgeExpiredSessions().catch((err) => logger.warn({ err }, 'session purge failed')), 15 * 60_000);
  purge.unref();

  const app = createApp({ db, config, logger, catalogue, store, jobs });
  const appDeps = app.locals.deps as AppDeps;
  // JOBS=off: this process only queues jobs; `dengbao worker` processes run them.
  const workers = config.jobs.run ? await startWorkers(jobs, db, config, { printer: appDeps.printer, store: appDeps.store, catalogue, logger }) : undefined;
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
  });
  listening = server;
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  const lines = [
    '',
    `dengbao is running at ${url}  (database: ${config.database.engine}${config.database.filename ? ` ${config.database.filename}` : ''})`,
    `  health:  ${url}/healthz`,
    `  API:     ${url}/api/v1`,
    `  jobs:    ${jobs.kind}${config.jobs.run ? (config.database.engine === 'sqlite' ? ', reports in a child process' : `, this process runs ${config.jobs.concurrency} at a time`) : ', JOBS=off: dengbao worker processes run them'}`,
    `  catalogue ${catalogue.version}: ${catalogue.items.length} test units, ${catalogue.highRiskCases.length} high-risk cases`,
  ];
  if (demo) {
    lines.push(`  demo logins (password ${demo.password}):`);
    for (const u of demo.users) {
      const roles = u.roles ?? (u.isAdmin ? ['system_admin'] : []);
      const where = roles.length ? roles.join(', ').replaceAll('_', ' ') : u.memberships.map((m) => `${m.role} of ${demo.organizations.find((o) => o.key === m.organization)?.nameEn}`).join(', ');
      lines.push(`    ${u.username.padEnd(11)} ${where}`);
    }
  }
  console.log(lines.join('\n') + '\n');

  const stop = async () => {
    server.close();
    await jobs.stop();
    await workers?.stop();
    await appDeps.printer.close();
    clearInterval(purge);
    // Entries of the last requests are written before the database closes; a response that has not
    // ended within 10 s (a stalled client) is not waited for.
    const open = await auditSettled(10_000);
    if (open.length) logger.warn({ requests: open }, 'stopped with requests still open: their audit entries are not written');
    await db.destroy();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return { server, url };
}
