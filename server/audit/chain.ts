import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { engineOf } from '../database/index.js';
import { transaction } from '../database/transaction.js';
import { now } from '../util.js';
import { auditStorage } from './context.js';

export const PLATFORM_CHAIN = 'platform';
export const GENESIS_HASH = '0'.repeat(64);

/** One event as the code records it; who and from where default to the current request. */
export interface AuditInput {
  /** null or undefined: the platform chain. */
  organizationId?: string | null;
  action: string;
  targetType?: string | null;
  targetId?: string | null;
  status?: number | null;
  /** Old → new values, a snapshot, or the request's fields; secrets must already be masked (see mask()). */
  changes?: unknown;
  actorId?: string | null;
  actorName?: string | null;
  ip?: string | null;
  userAgent?: string | null;
}

/** The stored fields that the hash covers (everything but the row id and the hash itself). */
export interface AuditRecord {
  chain: string;
  seq: number;
  at: string;
  actor_id: string | null;
  actor_name: string | null;
  organization_id: string | null;
  ip: string | null;
  user_agent: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  status: number | null;
  changes: string | null;
  prev_hash: string;
}

/** JSON with object keys sorted at every level: the same entry always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** hash = SHA-256(canonical JSON of the entry's fields, prev_hash included, + prev_hash). */
export function entryHash(r: AuditRecord): string {
  return createHash('sha256').update(canonicalJson(normalise(r)) + r.prev_hash).digest('hex');
}

/** The record as hashed, whatever types the engine returned (PostgreSQL bigint/int as strings…). */
export function normalise(r: Record<string, any>): AuditRecord {
  const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    chain: String(r.chain),
    seq: Number(r.seq),
    at: String(r.at),
    actor_id: str(r.actor_id),
    actor_name: str(r.actor_name),
    organization_id: str(r.organization_id),
    ip: str(r.ip),
    user_agent: str(r.user_agent),
    action: String(r.action),
    target_type: str(r.target_type),
    target_id: str(r.target_id),
    status: r.status === null || r.status === undefined ? null : Number(r.status),
    changes: str(r.changes),
    prev_hash: String(r.prev_hash),
  };
}

const SECRET_KEY = /pass(word)?|secret|token|otp|totp|recovery|_csrf/i;

/** A copy with secret-looking fields replaced by "***" (passwords, tokens, one-time codes). */
export function mask(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => mask(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, SECRET_KEY.test(k) ? '***' : mask(v, depth + 1)]),
  );
}

/** Old → new for the fields that changed: { field: [old, new] }. */
export function diff(before: Record<string, unknown> | undefined, after: Record<string, unknown>, fields = Object.keys(after)): Record<string, [unknown, unknown]> {
  const out: Record<string, [unknown, unknown]> = {};
  for (const f of fields) {
    const o = before?.[f] ?? null;
    const n = after[f] ?? null;
    if (canonicalJson(o) !== canonicalJson(n)) out[f] = [o, n];
  }
  return out;
}

const clip = (s: string | null | undefined, n: number) => (s === null || s === undefined ? null : s.slice(0, n));

/**
 * Appends entries to their chains. Serialised per chain: the chain's head row is locked FOR
 * UPDATE on PostgreSQL; SQLite has one connection, so transactions already run one at a time.
 * Pass the open transaction when recording a change inside one (never the global knex there).
 */
export async function appendAudit(knex: Knex, inputs: AuditInput[]): Promise<void> {
  if (!inputs.length) return;
  const req = auditStorage.getStore();
  const caller = req?.caller();
  const byChain = new Map<string, AuditInput[]>();
  for (const i of inputs) {
    const chain = i.organizationId ?? PLATFORM_CHAIN;
    byChain.set(chain, [...(byChain.get(chain) ?? []), i]);
  }
  const pg = engineOf(knex) === 'postgres';
  await transaction(knex, async (trx) => {
    // A fixed order of chains: two writers touching the same chains cannot deadlock.
    for (const chain of [...byChain.keys()].sort()) {
      await trx('audit_chains').insert({ chain, seq: 0, head_hash: GENESIS_HASH, base_seq: 0, base_hash: GENESIS_HASH }).onConflict('chain').ignore();
      const q = trx('audit_chains').where({ chain }).first();
      const head = await (pg ? q.forUpdate() : q);
      let seq = Number(head.seq);
      let prev = String(head.head_hash);
      const at = now(); // taken under the chain's lock: times never go backwards along a chain
      const rows = byChain.get(chain)!.map((i) => {
        const record: AuditRecord = {
          chain,
          seq: ++seq,
          at,
          actor_id: i.actorId !== undefined ? i.actorId : (caller?.userId ?? null),
          actor_name: clip(i.actorName !== undefined ? i.actorName : (caller?.username ?? null), 64),
          organization_id: i.organizationId ?? null,
          ip: clip(i.ip !== undefined ? i.ip : (req?.ip ?? null), 64),
          user_agent: clip(i.userAgent !== undefined ? i.userAgent : (req?.userAgent ?? null), 300),
          action: i.action.slice(0, 120),
          target_type: clip(i.targetType, 40),
          target_id: clip(i.targetId, 200),
          status: i.status ?? null,
          changes: i.changes === undefined || i.changes === null ? null : canonicalJson(i.changes),
          prev_hash: prev,
        };
        const hash = entryHash(record);
        prev = hash;
        return { ...record, hash };
      });
      // One statement per 400 entries: knex writes SQLite's multi-row insert as a compound SELECT,
      // limited to 500 terms (and 400 × 15 variables stays under 32,766). A bulk write of results
      // appends its history in one or a few inserts, not one per 50 rows.
      for (let k = 0; k < rows.length; k += 400) await trx('audit_entries').insert(rows.slice(k, k + 400));
      await trx('audit_chains').where({ chain }).update({ seq, head_hash: prev });
    }
  });
}

/** Shorthand for one entry. */
export const recordAudit = (knex: Knex, input: AuditInput): Promise<void> => appendAudit(knex, [input]);
