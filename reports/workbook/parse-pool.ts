import { Worker } from 'node:worker_threads';
import type { ParsedSheet } from './import.js';

/** Why a parse was refused: the budget, not the content (the route answers 400 naming it). */
export class WorkbookBudgetError extends Error {
  constructor(
    readonly code: 'too_slow' | 'too_much_memory',
    message: string,
  ) {
    super(message);
  }
}

export interface ParseBudget {
  /** Wall time for one parse (ms), startup of the thread not counted. */
  timeoutMs: number;
  /** Heap of the parser thread (MB). */
  maxMemoryMb: number;
}

interface Job {
  id: number;
  buffer: Buffer;
  resolve: (sheets: ParsedSheet[]) => void;
  reject: (err: Error) => void;
  timer?: NodeJS.Timeout;
}

/**
 * One parser thread, started on first use and reused; jobs run one at a time. A parse past its
 * time is stopped by terminating the thread; a parse past its memory ends the thread
 * (ERR_WORKER_OUT_OF_MEMORY); either way the next job gets a fresh thread.
 */
class ParsePool {
  private worker: Worker | undefined;
  private ready: Promise<void> | undefined;
  private queue: Job[] = [];
  private current: Job | undefined;
  /** The thread the current job runs on (handlers of an older, terminated thread ignore it). */
  private running: Worker | undefined;
  private seq = 0;
  private idle: NodeJS.Timeout | undefined;

  constructor(private budget: ParseBudget) {}

  setBudget(budget: ParseBudget): void {
    if (budget.maxMemoryMb !== this.budget.maxMemoryMb) void this.stop();
    this.budget = budget;
  }

  parse(buffer: Buffer): Promise<ParsedSheet[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: ++this.seq, buffer, resolve, reject });
      void this.next();
    });
  }

  private start(): Promise<void> {
    const source = new URL(import.meta.url);
    // From the sources (tsx) the thread registers tsx itself; a built package runs the .js.
    let tsx = 'tsx/esm/api';
    try {
      tsx = import.meta.resolve('tsx/esm/api'); // absolute, whatever the working directory
    } catch {
      /* keep the bare specifier */
    }
    const worker = source.pathname.endsWith('.ts')
      ? new Worker(
          `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(new URL('./parse-worker.ts', source).href)}); })`,
          { eval: true, resourceLimits: { maxOldGenerationSizeMb: this.budget.maxMemoryMb } },
        )
      : new Worker(new URL('./parse-worker.js', source), { resourceLimits: { maxOldGenerationSizeMb: this.budget.maxMemoryMb } });
    this.worker = worker; // referenced while it starts and works; unreferenced when idle
    this.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (m: { ready?: true; id?: number; ok?: boolean; sheets?: ParsedSheet[]; message?: string }) => {
        if (m.ready) return resolve();
        const job = this.current;
        if (!job || job.id !== m.id || this.running !== worker) return;
        this.finish();
        if (m.ok) job.resolve(m.sheets!);
        else job.reject(new Error(m.message));
      });
      worker.on('error', (err: Error & { code?: string }) => {
        reject(err);
        this.forget(worker);
        if (this.running !== worker) return;
        const job = this.current;
        this.finish();
        job?.reject(this.explain(err));
      });
      worker.on('exit', () => {
        reject(new Error('the workbook parser thread stopped while starting'));
        this.forget(worker);
        if (this.running !== worker) return;
        const job = this.current;
        if (job) {
          this.finish();
          job.reject(new WorkbookBudgetError('too_much_memory', 'the workbook parser stopped'));
        }
      });
    });
    return this.ready;
  }

  /** A thread that ran out of its heap (while starting or parsing) is the budget speaking. */
  private explain(err: Error & { code?: string }): Error {
    return err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new WorkbookBudgetError('too_much_memory', `parsing the workbook needs more than ${this.budget.maxMemoryMb} MB`) : err;
  }

  private forget(worker: Worker): void {
    if (this.worker === worker) {
      this.worker = undefined;
      this.ready = undefined;
    }
  }

  private finish(): void {
    if (!this.queue.length) this.running?.unref(); // an idle thread does not keep the process alive
    if (this.current?.timer) clearTimeout(this.current.timer);
    this.current = undefined;
    this.running = undefined;
    void this.next();
  }

  private async next(): Promise<void> {
    if (this.idle) clearTimeout(this.idle);
    if (!this.current && !this.queue.length && this.worker) {
      // An idle thread holds ExcelJS in memory: let it go after a minute without imports.
      this.idle = setTimeout(() => void this.stop(), 60_000);
      this.idle.unref();
    }
    if (this.current || !this.queue.length) return;
    const job = this.queue.shift()!;
    this.current = job;
    this.worker?.ref();
    try {
      await (this.worker ? this.ready : this.start());
    } catch (err) {
      this.current = undefined;
      job.reject(this.explain(err as Error));
      return void this.next();
    }
    const worker = this.worker!;
    this.running = worker;
    job.timer = setTimeout(() => {
      this.forget(worker);
      this.current = undefined;
      this.running = undefined;
      void worker.terminate();
      job.reject(new WorkbookBudgetError('too_slow', `parsing the workbook took longer than ${Math.round(this.budget.timeoutMs / 1000)} s`));
      void this.next();
    }, this.budget.timeoutMs);
    const copy = new Uint8Array(job.buffer); // transferred: the caller keeps its buffer
    worker.postMessage({ id: job.id, buffer: copy }, [copy.buffer]);
  }

  async stop(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.ready = undefined;
    await w?.terminate();
  }
}

let pool: ParsePool | undefined;

/** Parses a workbook (already checked by checkWorkbookArchive) off the event loop, within the budget. */
export function parseWorkbookInThread(buffer: Buffer, budget: ParseBudget): Promise<ParsedSheet[]> {
  pool ??= new ParsePool(budget);
  pool.setBudget(budget);
  return pool.parse(buffer);
}

export async function stopWorkbookParser(): Promise<void> {
  await pool?.stop();
}
