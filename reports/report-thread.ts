import { Worker } from 'node:worker_threads';
import type { Config } from '../server/config.js';
import type { ReportJobData } from './jobs.js';

type Job = { data: ReportJobData; final: boolean; attempt: number };

/**
 * Runs report jobs on one worker thread (SQLite), started at first use and kept. A thread that
 * dies fails its job (the queue retries it on a fresh thread).
 */
export class ReportThread {
  private worker: Worker | undefined;
  private ready: Promise<Worker> | undefined;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();

  constructor(private readonly config: Config) {}

  private start(): Promise<Worker> {
    if (this.ready) return this.ready;
    const source = new URL(import.meta.url);
    const options = { workerData: { config: this.config } };
    let worker: Worker;
    if (source.pathname.endsWith('.ts')) {
      // From the sources (tsx) the thread registers tsx itself; a built package runs the .js.
      let tsx = 'tsx/esm/api';
      try {
        tsx = import.meta.resolve('tsx/esm/api');
      } catch {
        /* keep the bare specifier */
      }
      const entry = new URL('./report-thread-worker.ts', source).href;
      worker = new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`, { ...options, eval: true });
    } else {
      worker = new Worker(new URL('./report-thread-worker.js', source), options);
    }
    this.worker = worker;
    this.ready = new Promise<Worker>((resolve, reject) => {
      worker.on('message', (m: { ready?: true; seq?: number; ok?: boolean; message?: string }) => {
        if (m.ready) return resolve(worker);
        const p = m.seq === undefined ? undefined : this.pending.get(m.seq);
        if (!p) return;
        this.pending.delete(m.seq!);
        if (m.ok) p.resolve();
        else p.reject(new Error(m.message));
      });
      const dead = (err: Error) => {
        reject(err);
        if (this.worker === worker) {
          this.worker = undefined;
          this.ready = undefined;
        }
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      };
      worker.on('error', dead);
      worker.on('exit', (code) => dead(new Error(`the report thread stopped (exit code ${code})`)));
    });
    return this.ready;
  }

  async run(job: Job): Promise<void> {
    const worker = await this.start();
    const seq = ++this.seq;
    await new Promise<void>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      worker.postMessage({ seq, job });
    });
  }

  /** Closes the thread's browser and database connection, then ends it. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    this.ready = undefined;
    await Promise.race([
      new Promise<void>((resolve) => {
        worker.on('message', (m: { closed?: true }) => m.closed && resolve());
        worker.postMessage({ close: true });
      }),
      new Promise((r) => setTimeout(r, 10_000).unref()),
    ]);
    await worker.terminate();
  }
}
