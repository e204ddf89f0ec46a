import type { Knex } from 'knex';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { InProcessQueue } from './memory-queue.js';
import { PgBossQueue } from './pg-boss-queue.js';
import type { JobQueue } from './queue.js';
import { failInterruptedReports, REPORT_JOB, type ReportDeps, type ReportJobData } from '../../reports/jobs.js';
import { workReports } from '../../reports/report-worker.js';

export type { JobQueue } from './queue.js';

/** The queue for the configured engine: pg-boss on PostgreSQL, in-process on SQLite. */
export async function createJobQueue(config: Config, logger: Logger): Promise<JobQueue> {
  if (config.database.engine === 'postgres') {
    const queue = new PgBossQueue({
      connectionString: config.database.url,
      // A dead worker's job waits for its expiry, then at most this long for the sweep.
      maintenanceIntervalSeconds: Math.max(1, Math.min(60, Math.floor(config.jobs.timeoutSeconds / 4))),
      expireInSeconds: config.jobs.timeoutSeconds,
      onError: (err) => logger.warn({ err }, 'job queue error'),
    });
    await queue.start();
    return queue;
  }
  return new InProcessQueue((err, job) => logger.warn({ err, job: job.name, id: job.id }, 'job attempt failed'));
}

/**
 * At the start of a process: report rows left queued or running without a job that will run
 * them are marked failed (SQLite: every such row, the in-process queue died with its process;
 * PostgreSQL: those whose job is not in the queue any more — live ones are retried there).
 */
export async function recoverReports(queue: JobQueue, knex: Knex): Promise<number> {
  if (queue instanceof PgBossQueue) {
    const live = await queue.liveJobs<ReportJobData>(knex, REPORT_JOB);
    return failInterruptedReports(knex, live.map((d) => d.reportId));
  }
  return failInterruptedReports(knex);
}

/**
 * Starts this process's workers: report jobs. On SQLite they run in a child process (its own
 * connection, WAL) so the web thread keeps answering; DENGBAO_JOBS_MAIN_THREAD=1 keeps them on
 * the main thread (only for measuring the difference: bench/head-of-line.ts).
 */
export async function startWorkers(queue: JobQueue, knex: Knex, config: Config, deps: ReportDeps): Promise<{ stop(): Promise<void> }> {
  let threaded = config.database.engine === 'sqlite' && process.env.DENGBAO_JOBS_MAIN_THREAD !== '1';
  if (threaded) {
    // A second connection only helps in WAL mode (readers and the writer do not block each other).
    const mode = await knex.raw('pragma journal_mode');
    const journal = String((mode as Array<{ journal_mode: string }>)[0]?.journal_mode ?? '').toLowerCase();
    if (journal !== 'wal') {
      deps.logger?.warn({ journal }, 'SQLite is not in WAL mode: report jobs run on the main thread');
      threaded = false;
    }
  }
  return workReports(queue, knex, deps, { concurrency: config.jobs.concurrency, thread: threaded ? config : undefined });
}
