import { keysetPage, type Page, type PageRequest } from '../database/keyset.js';
import type { Knex } from 'knex';
import { OrganizationScope, requirePlatform, type Caller } from '../context.js';
import { PLATFORM_CHAIN } from './chain.js';

export interface AuditFilter {
  /** An organisation's trail (officers, auditors), or the platform's when omitted (audit administrators). */
  organizationId?: string;
  actor?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  /** Inclusive dates or times (ISO); a date `to` covers the whole day. */
  from?: string;
  to?: string;
}

export interface AuditEntryView {
  id: string;
  seq: number;
  at: string;
  actorId: string | null;
  actorName: string | null;
  organizationId: string | null;
  ip: string | null;
  userAgent: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  status: number | null;
  changes: unknown;
  hash: string;
}

export const auditEntryView = (r: Record<string, any>): AuditEntryView => ({
  id: String(r.id),
  seq: Number(r.seq),
  at: r.at,
  actorId: r.actor_id ?? null,
  actorName: r.actor_name ?? null,
  organizationId: r.organization_id ?? null,
  ip: r.ip ?? null,
  userAgent: r.user_agent ?? null,
  action: r.action,
  targetType: r.target_type ?? null,
  targetId: r.target_id ?? null,
  status: r.status === null || r.status === undefined ? null : Number(r.status),
  changes: r.changes ? JSON.parse(r.changes) : null,
  hash: r.hash,
});

/**
 * Reading the audit trail: an organisation's chain by its officers and auditors (`audit`
 * permission; another organisation is 404), the platform's chain by audit administrators only.
 */
export class AuditService {
  constructor(
    private readonly knex: Knex,
    private readonly caller: Caller,
  ) {}

  private chainOf(filter: AuditFilter): string {
    if (filter.organizationId) {
      new OrganizationScope(this.caller).require(filter.organizationId, 'audit');
      return filter.organizationId;
    }
    requirePlatform(this.caller, 'audit.platform');
    return PLATFORM_CHAIN;
  }

  private query(filter: AuditFilter): Knex.QueryBuilder {
    const q = this.knex('audit_entries').where({ chain: this.chainOf(filter) });
    if (filter.actor) q.where('actor_name', filter.actor.trim().toLowerCase());
    if (filter.action) q.whereRaw(`action like ? escape '!'`, [`%${filter.action.replace(/[!%_]/g, '!$&')}%`]);
    if (filter.targetType) q.where('target_type', filter.targetType);
    if (filter.targetId) q.where('target_id', filter.targetId);
    if (filter.from) q.where('at', '>=', filter.from);
    if (filter.to) q.where('at', '<=', /^\d{4}-\d{2}-\d{2}$/.test(filter.to) ? `${filter.to}T23:59:59.999Z` : filter.to);
    return q;
  }

  async list(filter: AuditFilter, page = 1, pageSize = 50): Promise<{ data: AuditEntryView[]; total: number; page: number; pageSize: number }> {
    const total = Number((await this.query(filter).clone().count({ n: '*' }).first())?.n ?? 0);
    const rows = await this.query(filter).orderBy('seq', 'desc').limit(pageSize).offset((page - 1) * pageSize);
    return { data: rows.map(auditEntryView), total, page, pageSize };
  }

  /** A page of entries, newest first (keyset on the chain's sequence number). */
  async page(filter: AuditFilter, page: PageRequest): Promise<Page<AuditEntryView>> {
    const result = await keysetPage<Record<string, any>>(this.query(filter), [{ column: 'seq', desc: true }], page, (r) => [Number(r.seq)]);
    return { ...result, rows: result.rows.map(auditEntryView) };
  }

  /** Every matching entry, oldest first, in pages of 1,000 (exports). */
  async *all(filter: AuditFilter): AsyncGenerator<AuditEntryView> {
    let after = 0;
    for (;;) {
      const rows = await this.query(filter).where('seq', '>', after).orderBy('seq').limit(1000);
      if (!rows.length) return;
      for (const r of rows) yield auditEntryView(r);
      after = Number(rows[rows.length - 1].seq);
    }
  }

  /** The history of one result row (who changed 符合 to 不符合, when), newest first. */
  static async resultHistory(knex: Knex, organizationId: string, resultIds: string[]): Promise<Map<string, AuditEntryView[]>> {
    const out = new Map<string, AuditEntryView[]>();
    for (let i = 0; i < resultIds.length; i += 500) {
      const rows = await knex('audit_entries')
        .where({ chain: organizationId, target_type: 'assessment_result' })
        .whereIn('target_id', resultIds.slice(i, i + 500))
        .orderBy('seq', 'desc');
      for (const r of rows) out.set(r.target_id, [...(out.get(r.target_id) ?? []), auditEntryView(r)]);
    }
    return out;
  }
}
