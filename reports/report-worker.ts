import type { Knex } from 'knex';
import type { Config } from '../server/config.js';
import type { JobQueue } from '../server/jobs/queue.js';
import { failExhaustedReport, REPORT_JOB, runReportJob, type ReportDeps, type ReportJobData } from './jobs.js';
import { ReportThread } from './report-thread.js';

/**
 * Registers the report handler on a queue. `thread`: run each job on a worker thread with its
 * own connection (SQLite, where assembly on the web thread would block every request); without
 * it the job runs on this thread (PostgreSQL: the driver is asynchronous; tests).
 * Returns what stops it.
 */
export async function workReports(queue: JobQueue, knex: Knex, deps: ReportDeps, options: { concurrency?: number; thread?: Config } = {}): Promise<{ stop(): Promise<void> }> {
  const thread = options.thread ? new ReportThread(options.thread) : undefined;
  await queue.work<ReportJobData>(REPORT_JOB, (job) => (thread ? thread.run(job) : runReportJob(knex, deps, job)), {
    concurrency: thread ? 1 : options.concurrency,
    onExhausted: (data) => failExhaustedReport(knex, data),
  });
  return { stop: async () => thread?.stop() };
}
