import type { Knex } from 'knex';
import { entryHash, GENESIS_HASH, normalise } from './chain.js';

export interface AuditProblem {
  chain: string;
  seq: number;
  id: string | null;
  problem: 'modified' | 'inserted' | 'deleted' | 'broken_link' | 'head_mismatch';
  message: string;
}

/**
 * Walks every chain in seq order and checks, per entry: seq follows the previous one (a gap is a
 * deleted entry), prev_hash is the previous entry's hash, the hash matches the content; and the
 * chain's head (seq and hash) matches the last entry (an entry appended by hand, or the last one
 * deleted). Reads each chain in pages, so memory stays flat.
 */
export async function verifyAuditTrail(knex: Knex): Promise<{ chains: number; entries: number; problems: AuditProblem[]; heads: Array<{ chain: string; seq: number; hash: string }> }> {
  const problems: AuditProblem[] = [];
  const heads: Array<Record<string, any>> = await knex('audit_chains').orderBy('chain');
  const orphans: Array<{ chain: string }> = await knex('audit_entries').distinct('chain').whereNotIn('chain', heads.map((h) => h.chain));
  for (const o of orphans) heads.push({ chain: o.chain, seq: 0, head_hash: GENESIS_HASH, base_seq: 0, base_hash: GENESIS_HASH, orphan: true });
  let entries = 0;
  for (const head of heads) {
    const chain = String(head.chain);
    let expectSeq = Number(head.base_seq) + 1;
    let prevHash = String(head.base_hash);
    let lastSeq = Number(head.base_seq);
    let after = Number(head.base_seq) - 1e9; // entries below the base (re-inserted after a purge) are reported too
    for (;;) {
      const rows: Array<Record<string, any>> = await knex('audit_entries').where({ chain }).andWhere('seq', '>', after).orderBy('seq').limit(1000);
      if (!rows.length) break;
      for (const row of rows) {
        entries++;
        const r = normalise(row);
        const id = row.id === undefined ? null : String(row.id);
        const name = `chain ${chain} entry #${r.seq} (id ${id})`;
        after = r.seq;
        if (r.seq < expectSeq) {
          problems.push({ chain, seq: r.seq, id, problem: 'inserted', message: `${name}: inserted (seq ${r.seq} is before the chain's start ${expectSeq})` });
          continue;
        }
        if (r.seq > expectSeq) {
          for (let s = expectSeq; s < r.seq; s++) problems.push({ chain, seq: s, id: null, problem: 'deleted', message: `chain ${chain} entry #${s}: deleted (missing between #${s - 1} and #${r.seq})` });
          prevHash = '';
        }
        if (r.seq > Number(head.seq)) {
          problems.push({ chain, seq: r.seq, id, problem: 'inserted', message: `${name}: inserted (beyond the chain head #${head.seq})` });
        } else if (entryHash(r) !== String(row.hash)) {
          problems.push({ chain, seq: r.seq, id, problem: 'modified', message: `${name}: modified (its hash does not match its content)` });
        } else if (prevHash && r.prev_hash !== prevHash) {
          problems.push({ chain, seq: r.seq, id, problem: 'broken_link', message: `${name}: prev_hash does not match entry #${r.seq - 1} (an entry before it was replaced)` });
        }
        prevHash = String(row.hash);
        expectSeq = r.seq + 1;
        lastSeq = r.seq;
      }
    }
    if (head.orphan) {
      problems.push({ chain, seq: 0, id: null, problem: 'inserted', message: `chain ${chain}: entries with no chain head (inserted)` });
    } else if (lastSeq < Number(head.seq)) {
      for (let s = lastSeq + 1; s <= Number(head.seq); s++) problems.push({ chain, seq: s, id: null, problem: 'deleted', message: `chain ${chain} entry #${s}: deleted (the chain head is at #${head.seq})` });
    } else if (lastSeq > Number(head.seq)) {
      // already reported per entry as inserted beyond the head
    } else if (lastSeq > Number(head.base_seq) && prevHash !== String(head.head_hash)) {
      problems.push({ chain, seq: lastSeq, id: null, problem: 'head_mismatch', message: `chain ${chain}: the head hash does not match entry #${lastSeq}` });
    }
  }
  return { chains: heads.length, entries, problems, heads: heads.filter((h) => !h.orphan).map((h) => ({ chain: String(h.chain), seq: Number(h.seq), hash: String(h.head_hash) })) };
}
