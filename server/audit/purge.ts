import type { Knex } from 'knex';
import { ConflictError } from '../errors.js';
import { transaction } from '../database/transaction.js';
import { recordAudit } from './chain.js';

/** Entries younger than this are kept whatever anyone asks (GB/T 22239 8.1.4.3 c; 网络安全法 第二十一条: 6 months). */
export const AUDIT_RETENTION_DAYS = 180;

/**
 * Deletes entries older than `before` (an ISO date or time). Refuses a cut-off younger than the
 * retention period. Each chain keeps verifying: its base moves to the last deleted entry's seq
 * and hash. The purge itself is recorded on the platform chain.
 */
export async function purgeAuditTrail(knex: Knex, before: string, actor = 'cli'): Promise<{ deleted: number }> {
  const cutoff = new Date(before);
  if (Number.isNaN(cutoff.getTime())) throw new ConflictError({ reason: `not a date: ${before}` });
  const limit = Date.now() - AUDIT_RETENTION_DAYS * 86_400_000;
  if (cutoff.getTime() > limit) {
    throw new ConflictError({ reason: `audit entries are kept at least ${AUDIT_RETENTION_DAYS} days: the cut-off must be on or before ${new Date(limit).toISOString().slice(0, 10)}` });
  }
  const iso = cutoff.toISOString();
  const deleted = await transaction(knex, async (trx) => {
    let n = 0;
    for (const head of await trx('audit_chains').select('chain')) {
      const last = await trx('audit_entries').where({ chain: head.chain }).andWhere('at', '<', iso).orderBy('seq', 'desc').first();
      if (!last) continue;
      n += await trx('audit_entries').where({ chain: head.chain }).andWhere('seq', '<=', last.seq).delete();
      await trx('audit_chains').where({ chain: head.chain }).update({ base_seq: last.seq, base_hash: last.hash });
    }
    return n;
  });
  await recordAudit(knex, { action: 'audit.purge', changes: { before: iso, deleted }, actorName: actor });
  return { deleted };
}
