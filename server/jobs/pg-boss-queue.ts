import PgBoss from 'pg-boss';
import type { Knex } from 'knex';
import { JOB_DEFAULTS, type EnqueueOptions, type JobHandler, type JobQueue } from './queue.js';

/** pg-boss keeps its tables in their own schema of the application's database. */
export const JOBS_SCHEMA = 'dengbao_jobs';

export interface PgBossQueueOptions {
  connectionString: string;
  /** Seconds between expiry sweeps (a dead worker's job is retried after its expiry plus at most this). */
  maintenanceIntervalSeconds?: number;
  /** Seconds between polls of an idle worker. */
  pollingIntervalSeconds?: number;
  /** Default expiry of a delivery (JOB_TIMEOUT_SECONDS). */
  expireInSeconds?: number;
  onError?: (err: unknown) => void;
}

/**
 * The PostgreSQL queue (pg-boss 10: the last line that runs on Node 20). Claiming is
 * `SELECT … FOR UPDATE SKIP LOCKED`, so each delivery goes to exactly one worker of any
 * process on any machine; a failed delivery is retried with exponential backoff; a delivery
 * whose worker died stays `active` until its expiry, then the maintenance sweep (run by
 * whichever process holds the maintenance slot) puts it back for a retry.
 */
export class PgBossQueue implements JobQueue {
  readonly kind = 'pg-boss' as const;
  private readonly boss: PgBoss;
  private readonly created = new Set<string>();
  private started: Promise<unknown> | undefined;

  constructor(private readonly options: PgBossQueueOptions) {
    this.boss = new PgBoss({
      connectionString: options.connectionString,
      schema: JOBS_SCHEMA,
      application_name: 'dengbao-jobs',
      max: 4,
      maintenanceIntervalSeconds: options.maintenanceIntervalSeconds ?? 60,
      // No cron schedules are used: skip the clock-skew monitor.
      schedule: false,
    });
    this.boss.on('error', (err) => options.onError?.(err));
  }

  /** Creates (or migrates) the pg-boss schema. Safe to call from several processes at once. */
  start(): Promise<unknown> {
    this.started ??= this.boss.start();
    return this.started;
  }

  private async queue(name: string): Promise<void> {
    await this.start();
    if (this.created.has(name)) return;
    // The dead-letter queue receives jobs whose last delivery failed (the handler or the worker died).
    for (const [queue, deadLetter] of [[deadLetterOf(name), undefined], [name, deadLetterOf(name)]] as const) {
      if (!(await this.boss.getQueue(queue))) {
        await this.boss.createQueue(queue, deadLetter ? { name: queue, deadLetter } : { name: queue }).catch(async (err) => {
          // Another process created it at the same moment.
          if (!(await this.boss.getQueue(queue))) throw err;
        });
      }
    }
    this.created.add(name);
  }

  async enqueue<T extends object>(name: string, data: T, options: EnqueueOptions = {}): Promise<string> {
    await this.queue(name);
    const trx = options.trx;
    const id = await this.boss.send(name, data, {
      retryLimit: options.retryLimit ?? JOB_DEFAULTS.retryLimit,
      retryDelay: options.retryDelaySeconds ?? JOB_DEFAULTS.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: options.expireInSeconds ?? this.options.expireInSeconds ?? JOB_DEFAULTS.expireInSeconds,
      // Inside the caller's transaction: the job exists exactly when the rows it is about do.
      db: trx ? { executeSql: async (text: string, values: unknown[]) => (await trx.client.acquireConnection()).query(text, values) } : undefined,
    });
    return id!;
  }

  async work<T extends object>(name: string, handler: JobHandler<T>, options: { concurrency?: number; onExhausted?: (data: T) => Promise<void> } = {}): Promise<void> {
    await this.queue(name);
    const pollingIntervalSeconds = this.options.pollingIntervalSeconds ?? 1;
    // pg-boss 10 has no per-worker concurrency: one polling worker per slot, one job each.
    for (let i = 0; i < Math.max(1, options.concurrency ?? 1); i++) {
      await this.boss.work<T>(name, { batchSize: 1, includeMetadata: true, pollingIntervalSeconds }, async ([job]) => {
        await handler({ id: job!.id, name, data: job!.data, attempt: job!.retryCount + 1, final: job!.retryCount >= job!.retryLimit });
      });
    }
    const onExhausted = options.onExhausted;
    if (onExhausted) await this.boss.work<T>(deadLetterOf(name), { batchSize: 1, pollingIntervalSeconds: Math.max(pollingIntervalSeconds, 2) }, async ([job]) => onExhausted(job!.data));
  }

  /** Data of the jobs of `name` not yet completed or failed (created, waiting for a retry, or running). */
  async liveJobs<T>(knex: Knex, name: string): Promise<T[]> {
    await this.queue(name);
    const rows = await knex.withSchema(JOBS_SCHEMA).table('job').where({ name }).whereIn('state', ['created', 'retry', 'active']).select('data');
    return rows.map((r: { data: T }) => r.data);
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    await this.started.catch(() => undefined);
    // Running deliveries get 10 s; after that pg-boss fails them, which schedules their retry.
    await this.boss.stop({ graceful: true, timeout: 10_000, wait: true });
  }
}

const deadLetterOf = (name: string) => `${name}.dead`;
