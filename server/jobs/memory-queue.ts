import { randomUUID } from 'node:crypto';
import { JOB_DEFAULTS, backoffSeconds, type EnqueueOptions, type JobHandler, type JobQueue } from './queue.js';

interface Pending {
  id: string;
  name: string;
  data: object;
  attempt: number;
  retryLimit: number;
  retryDelaySeconds: number;
}

/**
 * The in-process queue (SQLite: one process owns the database file). Jobs live in memory: a
 * process that stops loses them, and the records they were about are marked failed at the next
 * start (reports: failInterruptedReports). Retries with backoff like pg-boss.
 */
export class InProcessQueue implements JobQueue {
  readonly kind = 'in-process' as const;
  private readonly handlers = new Map<string, { handler: JobHandler<any>; concurrency: number; running: number }>();
  private readonly waiting: Pending[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly active = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly onError: (err: unknown, job: { name: string; id: string }) => void = () => undefined) {}

  async enqueue<T extends object>(name: string, data: T, options: EnqueueOptions = {}): Promise<string> {
    const job: Pending = {
      id: randomUUID(),
      name,
      data,
      attempt: 1,
      retryLimit: options.retryLimit ?? JOB_DEFAULTS.retryLimit,
      retryDelaySeconds: options.retryDelaySeconds ?? JOB_DEFAULTS.retryDelaySeconds,
    };
    const push = () => {
      this.waiting.push(job);
      this.pump();
    };
    // A job about rows of an open transaction starts once they are committed (never if rolled back).
    if (options.trx) options.trx.executionPromise.then(push, () => undefined);
    else setImmediate(push);
    return job.id;
  }

  async work<T extends object>(name: string, handler: JobHandler<T>, options: { concurrency?: number } = {}): Promise<void> {
    this.handlers.set(name, { handler, concurrency: Math.max(1, options.concurrency ?? 1), running: 0 });
    this.pump();
  }

  private pump(): void {
    if (this.stopped) return;
    for (let i = 0; i < this.waiting.length; i++) {
      const job = this.waiting[i]!;
      const h = this.handlers.get(job.name);
      if (!h || h.running >= h.concurrency) continue;
      this.waiting.splice(i--, 1);
      h.running++;
      const final = job.attempt > job.retryLimit;
      const run = h.handler({ id: job.id, name: job.name, data: job.data, attempt: job.attempt, final }).then(
        () => undefined,
        (err) => {
          this.onError(err, job);
          if (final || this.stopped) return;
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            this.waiting.push({ ...job, attempt: job.attempt + 1 });
            this.pump();
          }, backoffSeconds(job.retryDelaySeconds, job.attempt) * 1000);
          timer.unref(); // a pending retry alone does not keep a process alive
          this.timers.add(timer);
        },
      );
      this.active.add(run);
      void run.finally(() => {
        this.active.delete(run);
        h.running--;
        this.pump();
      });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.race([Promise.allSettled([...this.active]), new Promise((r) => setTimeout(r, 10_000).unref())]);
  }
}
