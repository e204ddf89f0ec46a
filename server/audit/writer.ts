import type { Knex } from 'knex';
import { appendAudit, type AuditInput } from './chain.js';
import { auditStorage } from './context.js';

type Append = (knex: Knex, inputs: AuditInput[]) => Promise<void>;

interface Queued {
  input: AuditInput;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Appends the entries recorded after responses (the audit middleware) in batches, one batch at a
 * time per database. Each append locks its chain's head, so requests of one organisation are
 * recorded one after another: appended one request at a time, every finished request held a
 * pooled connection (PostgreSQL) while it waited for that lock, taking connections from the
 * requests being served, and a failed append (no connection within the pool's timeout) lost its
 * entry. Batched, the entries that arrive while an append runs share the next transaction: one
 * connection, one lock, in the order the responses finished. A failed append is retried with
 * backoff; when it keeps failing, each entry is tried alone once, so one entry that cannot be
 * stored does not take the others with it.
 */
export class AuditWriter {
  private readonly queue: Queued[] = [];
  private running = false;

  constructor(
    private readonly db: Knex,
    private readonly options: { maxBatch?: number; retries?: number; backoffMs?: number; append?: Append } = {},
  ) {}

  append(input: AuditInput): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ input, resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.options.maxBatch ?? 200);
        await this.write(batch);
      }
    } finally {
      this.running = false;
    }
  }

  private async write(batch: Queued[]): Promise<void> {
    const append = this.options.append ?? appendAudit;
    const retries = this.options.retries ?? 5;
    // Outside any request's context: each entry carries its own actor, address and agent.
    const run = (inputs: AuditInput[]) => auditStorage.exit(() => append(this.db, inputs));
    for (let attempt = 0; ; attempt++) {
      try {
        await run(batch.map((b) => b.input));
        for (const b of batch) b.resolve();
        return;
      } catch (err) {
        if (attempt >= retries) break;
        await sleep((this.options.backoffMs ?? 200) * 2 ** attempt);
      }
    }
    for (const b of batch) {
      try {
        await run([b.input]);
        b.resolve();
      } catch (err) {
        b.reject(err);
      }
    }
  }
}
