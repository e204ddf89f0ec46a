import { fork, type Serializable } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Config } from '../server/config.js';
import type { ReportJobData } from './jobs.js';

type Job = { data: ReportJobData; final: boolean; attempt: number };
interface Runner {
  post(message: unknown): void;
  on(listener: (message: unknown) => void): void;
  stop(): Promise<void>;
}

/**
 * Runs report jobs in one child process (SQLite: its own connection, WAL), started at first use
 * and kept. A process that dies fails its job (the queue retries it in a fresh one). The class
 * keeps its name from when this was a worker thread.
 */
export class ReportThread {
  private worker: Runner | undefined;
  private ready: Promise<Runner> | undefined;
  private seq = 0;
  private readonly pending = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();

  constructor(private readonly config: Config) {}

  private start(): Promise<Runner> {
    if (this.ready) return this.ready;
    const source = new URL(import.meta.url);
    const fromSources = source.pathname.endsWith('.ts');
    const entry = new URL(fromSources ? './report-thread-worker.ts' : './report-thread-worker.js', source);
    // A child process, not a thread: its heap (assembly of a large report) and its browser are
    // outside the server's memory, and the kernel frees them whole when the process ends.
    // From the sources (tsx) the child registers tsx itself; a built package runs the .js.
    let tsx = 'tsx/esm';
    if (fromSources) {
      try {
        tsx = import.meta.resolve('tsx/esm');
      } catch {
        /* keep the bare specifier */
      }
    }
    const child = fork(fileURLToPath(entry), [], {
      execArgv: fromSources ? ['--import', tsx] : [],
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.send({ config: this.config } as unknown as Serializable);
    const runner: Runner = { post: (m) => child.send(m as Serializable), on: (fn) => child.on('message', fn), stop: () => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGKILL')))) };
    this.worker = runner;
    this.ready = new Promise<Runner>((resolve, reject) => {
      child.on('message', (m: { ready?: true; seq?: number; ok?: boolean; message?: string }) => {
        if (m.ready) return resolve(runner);
        const p = m.seq === undefined ? undefined : this.pending.get(m.seq);
        if (!p) return;
        this.pending.delete(m.seq!);
        if (m.ok) p.resolve();
        else p.reject(new Error(m.message));
      });
      const dead = (err: Error) => {
        reject(err);
        if (this.worker === runner) {
          this.worker = undefined;
          this.ready = undefined;
        }
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      };
      child.on('error', dead);
      child.on('exit', (code, signal) => dead(new Error(`the report process stopped (exit code ${code ?? signal})`)));
    });
    return this.ready;
  }

  async run(job: Job): Promise<void> {
    const worker = await this.start();
    const seq = ++this.seq;
    await new Promise<void>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      worker.post({ seq, job });
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
        worker.on((m) => (m as { closed?: true }).closed && resolve());
        worker.post({ close: true });
      }),
      new Promise((r) => setTimeout(r, 10_000).unref()),
    ]);
    await worker.stop();
  }
}
