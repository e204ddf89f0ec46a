import type { Knex } from 'knex';

/** One delivery of a job to a handler. */
export interface JobRun<T> {
  id: string;
  name: string;
  data: T;
  /** 1 for the first delivery, 2 for the first retry, … */
  attempt: number;
  /** No retry follows if this delivery fails: the handler records the failure for good. */
  final: boolean;
}

export type JobHandler<T> = (job: JobRun<T>) => Promise<void>;

export interface EnqueueOptions {
  /** Retries after the first failure (a worker that dies mid-job counts as a failure). */
  retryLimit?: number;
  /** Seconds before the first retry; doubled (with jitter) on each next one. */
  retryDelaySeconds?: number;
  /** A delivery still running after this long counts as failed (its worker presumably died). */
  expireInSeconds?: number;
  /**
   * The transaction that records what the job is about: the job exists exactly when that
   * transaction commits (PostgreSQL: same transaction; in-process: dispatched after commit).
   */
  trx?: Knex.Transaction;
}

/**
 * Background work that outlives the request asking for it. Two implementations: pg-boss on
 * PostgreSQL (several processes and machines, crash-safe) and an in-process queue on SQLite
 * (one process, by design of the engine).
 */
export interface JobQueue {
  readonly kind: 'pg-boss' | 'in-process';
  enqueue<T extends object>(name: string, data: T, options?: EnqueueOptions): Promise<string>;
  /**
   * Runs `handler` for jobs of `name`, at most `concurrency` at a time in this process.
   * `onExhausted`: a job's last delivery failed without its handler finishing (the worker died);
   * the handler never saw it as final, so this records the failure.
   */
  work<T extends object>(name: string, handler: JobHandler<T>, options?: { concurrency?: number; onExhausted?: (data: T) => Promise<void> }): Promise<void>;
  /** Stops taking jobs, waits (bounded) for running ones, releases connections. */
  stop(): Promise<void>;
}

/** Defaults of every queue: two retries, backoff from 5 s, 30 minutes per delivery. */
export const JOB_DEFAULTS = { retryLimit: 2, retryDelaySeconds: 5, expireInSeconds: 30 * 60 } as const;

/** Delay before retry number `retry` (1-based): exponential from the base, with jitter (as pg-boss). */
export function backoffSeconds(base: number, retry: number): number {
  const half = (base * 2 ** Math.min(16, retry)) / 2;
  return half + half * Math.random();
}
