import type { Knex } from 'knex';
import { ScopedService, type Permission } from '../context.js';
import { todayInChina } from '../dates.js';
import { keysetPage, likePattern, type Page, type PageRequest, type SortKey } from '../database/keyset.js';
import { transaction } from '../database/transaction.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { requirementSetsOf } from '../catalogue/sets.js';
import { bool, newId, now } from '../util.js';
import { isFiledLevel } from './filing-rules.js';
import { canTransition, TRANSITIONS, type LifecycleState } from './lifecycle.js';

export interface SystemInput {
  name: string;
  description?: string | null;
  businessType?: string | null;
  owner?: string | null;
  contacts?: Array<{ name: string; role?: string; phone?: string; email?: string }>;
  deployment: 'on_premises' | 'cloud';
  platformId?: string | null;
  extensions?: { cloud?: boolean; mobile?: boolean; iot?: boolean; ics?: boolean; bigData?: boolean };
}

export interface SystemView {
  id: string;
  organizationId: string;
  name: string;
  description: string | null;
  businessType: string | null;
  owner: string | null;
  contacts: NonNullable<SystemInput['contacts']>;
  deployment: 'on_premises' | 'cloud';
  platformId: string | null;
  extensions: { cloud: boolean; mobile: boolean; iot: boolean; ics: boolean; bigData: boolean };
  /** Requirement sets in scope: general plus the flagged extensions (big data adds none: annex H has no units). */
  requirementSets: string[];
  status: LifecycleState;
  allowedTransitions: readonly LifecycleState[];
  /** False for a level-1 system: graded, neither filed nor tested (filing is not offered). */
  filingRequired: boolean;
  archivedAt: string | null;
  grading: { id: string; version: number; notation: string; level: number; approvedOn: string | null } | null;
  createdAt: string;
  updatedAt: string;
}

export interface SystemFilter {
  organizationId?: string;
  status?: string;
  includeArchived?: boolean;
  level?: number;
  /** Part of the name, any case. */
  q?: string;
  sort?: keyof typeof SYSTEM_SORTS;
}
/** The orders a systems list offers; the id last makes each total (a keyset needs that). */
export const SYSTEM_SORTS = {
  name: [{ column: 'systems.name' }, { column: 'systems.id' }],
  updatedAt: [
    { column: 'systems.updated_at', desc: true },
    { column: 'systems.id', desc: true },
  ],
} satisfies Record<string, SortKey[]>;

export type SystemRow = Record<string, any> & { id: string; organization_id: string; status: LifecycleState };

export function systemView(r: Record<string, any>, grading: Record<string, any> | undefined): SystemView {
  const extensions = { cloud: bool(r.ext_cloud), mobile: bool(r.ext_mobile), iot: bool(r.ext_iot), ics: bool(r.ext_ics), bigData: bool(r.ext_big_data) };
  return {
    id: r.id,
    organizationId: r.organization_id,
    name: r.name,
    description: r.description ?? null,
    businessType: r.business_type ?? null,
    owner: r.owner ?? null,
    contacts: r.contacts ? JSON.parse(r.contacts) : [],
    deployment: r.deployment,
    platformId: r.platform_id ?? null,
    extensions,
    requirementSets: requirementSetsOf(r),
    status: r.status,
    allowedTransitions: grading && !isFiledLevel(Number(grading.level)) ? TRANSITIONS[r.status as LifecycleState].filter((t) => t !== 'filed') : TRANSITIONS[r.status as LifecycleState],
    filingRequired: !grading || isFiledLevel(Number(grading.level)),
    archivedAt: r.archived_at ?? null,
    grading: grading
      ? { id: grading.id, version: Number(grading.version), notation: grading.notation, level: Number(grading.level), approvedOn: grading.approved_on ?? null }
      : null,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/**
 * The newest grading version of each system: the columns a system's view and the lifecycle rules
 * read (a grading row also holds the harms, rationale and review texts: a page of 100 systems
 * read them all, half the list's time).
 */
export async function latestGradings(knex: Knex, systemIds: string[]): Promise<Map<string, Record<string, any>>> {
  if (!systemIds.length) return new Map();
  const rows = await knex('gradings')
    .select('id', 'system_id', 'version', 'notation', 'level', 'approved_on')
    .whereIn('system_id', systemIds)
    .whereIn(['system_id', 'version'], knex('gradings').whereIn('system_id', systemIds).groupBy('system_id').select('system_id', knex.raw('max(version)')));
  return new Map(rows.map((r: Record<string, any>) => [r.system_id, r]));
}

/**
 * Systems (定级对象) of the caller's organisations and their lifecycle. Officers write;
 * consultants and auditors read. Every change of lifecycle state is recorded.
 */
export class SystemsService extends ScopedService {
  async load(id: string, permission: Permission = 'read', trx: Knex = this.knex): Promise<SystemRow> {
    const row = (await this.scope.query(trx, 'systems').where('systems.id', id).first()) as SystemRow | undefined;
    if (!row) throw new NotFoundError({ resource: 'system', id });
    this.scope.require(row.organization_id, permission, 'system');
    return row;
  }

  private async views(rows: Record<string, any>[]): Promise<SystemView[]> {
    const gradings = await latestGradings(this.knex, rows.map((r) => r.id));
    return rows.map((r) => systemView(r, gradings.get(r.id)));
  }

  async list(filter: { organizationId?: string; status?: string; includeArchived?: boolean; level?: number }): Promise<SystemView[]> {
    let q = this.scope.query(this.knex, 'systems');
    if (filter.organizationId) q = q.where('organization_id', filter.organizationId);
    if (filter.status) q = q.where('status', filter.status);
    if (!filter.includeArchived) q = q.whereNull('archived_at');
    const views = await this.views(await q.orderBy('name'));
    return filter.level === undefined ? views : views.filter((v) => v.grading?.level === filter.level);
  }

  /** A page of systems, filtered and sorted in SQL (name A→Z, or most recently updated first). */
  async page(filter: SystemFilter, page: PageRequest): Promise<Page<SystemView>> {
    let q = this.scope.query(this.knex, 'systems');
    if (filter.organizationId) q = q.where('systems.organization_id', filter.organizationId);
    if (filter.status) q = q.where('systems.status', filter.status);
    if (!filter.includeArchived) q = q.whereNull('systems.archived_at');
    if (filter.q) q = q.whereRaw("lower(systems.name) like ? escape '\\'", [likePattern(filter.q)]);
    if (filter.level !== undefined) {
      // The level is the newest grading's: the same rule as latestGradings, as a subquery.
      q = q.whereIn(
        'systems.id',
        this.knex('gradings as g')
          .select('g.system_id')
          .where('g.level', filter.level)
          .whereRaw('g.version = (select max(g2.version) from gradings g2 where g2.system_id = g.system_id)'),
      );
    }
    const keys: SortKey[] = SYSTEM_SORTS[filter.sort ?? 'name'];
    const result = await keysetPage<Record<string, any>>(q.select('systems.*'), keys, page, (r) => keys.map((k) => r[k.column.replace('systems.', '')]));
    return { ...result, rows: await this.views(result.rows) };
  }

  async get(id: string): Promise<SystemView> {
    const [view] = await this.views([await this.load(id)]);
    return view!;
  }

  private columns(input: Partial<SystemInput>): Record<string, unknown> {
    const c: Record<string, unknown> = {};
    if (input.name !== undefined) c.name = input.name;
    if (input.description !== undefined) c.description = input.description;
    if (input.businessType !== undefined) c.business_type = input.businessType;
    if (input.owner !== undefined) c.owner = input.owner;
    if (input.contacts !== undefined) c.contacts = JSON.stringify(input.contacts);
    if (input.deployment !== undefined) c.deployment = input.deployment;
    if (input.platformId !== undefined) c.platform_id = input.platformId;
    const e = input.extensions;
    if (e?.cloud !== undefined) c.ext_cloud = e.cloud;
    if (e?.mobile !== undefined) c.ext_mobile = e.mobile;
    if (e?.iot !== undefined) c.ext_iot = e.iot;
    if (e?.ics !== undefined) c.ext_ics = e.ics;
    if (e?.bigData !== undefined) c.ext_big_data = e.bigData;
    return c;
  }

  /** A system may reference its own organisation's platform or a published one (else 400 naming platformId). */
  private async checkPlatform(organizationId: string, platformId: string | null | undefined): Promise<void> {
    if (!platformId) return;
    const p = await this.knex('platforms').where({ id: platformId }).where((w) => w.where('published', true).orWhere('organization_id', organizationId)).first();
    if (!p) throw new ValidationError({}, [{ path: 'platformId', code: 'not_found', message: 'no such platform for this organisation', rule: 'no_such_platform' }]);
  }

  async create(organizationId: string, input: SystemInput): Promise<SystemView> {
    this.scope.require(organizationId, 'manage', 'organization');
    await this.checkPlatform(organizationId, input.platformId);
    if (input.deployment === 'on_premises' && input.platformId) {
      throw new ValidationError({}, [{ path: 'platformId', code: 'invalid_value', message: 'only a cloud deployment has a platform', rule: 'platform_needs_cloud' }]);
    }
    const id = newId();
    const at = now();
    await transaction(this.knex, async (trx) => {
      await trx('systems').insert({
        ...this.columns({ ...input, extensions: { cloud: input.deployment === 'cloud', ...input.extensions } }),
        id,
        organization_id: organizationId,
        status: 'grading',
        created_by: this.caller.userId,
        created_at: at,
        updated_at: at,
      });
      await trx('system_transitions').insert({
        system_id: id,
        organization_id: organizationId,
        from_state: null,
        to_state: 'grading',
        effective_on: todayInChina(),
        at,
        user_id: this.caller.userId,
        note: 'created',
        forced: false,
      });
    });
    return this.get(id);
  }

  async update(id: string, patch: Partial<SystemInput>): Promise<SystemView> {
    const row = await this.load(id, 'manage');
    const deployment = patch.deployment ?? row.deployment;
    const platformId = patch.platformId !== undefined ? patch.platformId : row.platform_id;
    if (deployment === 'on_premises' && platformId) {
      throw new ValidationError({}, [{ path: 'platformId', code: 'invalid_value', message: 'only a cloud deployment has a platform', rule: 'platform_needs_cloud' }]);
    }
    await this.checkPlatform(row.organization_id, patch.platformId);
    await this.knex('systems').where({ id }).update({ ...this.columns(patch), updated_at: now() });
    return this.get(id);
  }

  /** Deletes a system still in `grading` and never filed; any other system is archived instead. */
  async remove(id: string): Promise<{ deleted: boolean; archived: boolean }> {
    const row = await this.load(id, 'manage');
    return transaction(this.knex, async (trx) => {
      const filing = await trx('filings').where({ system_id: id }).first();
      const linked = await trx('evidence_links').where({ organization_id: row.organization_id, target_type: 'system', target_id: id }).first();
      if (row.status === 'grading' && !filing && !linked) {
        await trx('systems').where({ id }).delete();
        return { deleted: true, archived: false };
      }
      if (!row.archived_at) await trx('systems').where({ id }).update({ archived_at: now(), updated_at: now() });
      return { deleted: false, archived: true };
    });
  }

  /**
   * Moves a system along the lifecycle. A transition outside the table is 409 naming the current
   * state and the allowed next ones; an officer may force one with a reason (recorded as forced).
   */
  async transition(id: string, input: { to: LifecycleState; note?: string; effectiveOn?: string; force?: boolean; reason?: string }): Promise<SystemView> {
    // Forcing is the officer's, with a reason, recorded as forced: platform administrators never
    // reach an organisation's systems (三权分立; before, an admin could force any system and read it).
    const row = await this.load(id, 'manage');
    if (input.force && !input.reason) throw new ValidationError({}, [{ path: 'reason', code: 'required', message: 'a forced transition needs a reason', rule: 'forced_needs_reason' }]);
    await transaction(this.knex, (trx) =>
      this.recordTransition(trx, row, input.to, input.force ? `forced: ${input.reason}` : input.note, input.effectiveOn, !!input.force),
    );
    return this.get(id);
  }

  /** Records one transition inside a transaction (also used by grading and filing actions). */
  async recordTransition(trx: Knex, row: SystemRow, to: LifecycleState, note?: string | null, effectiveOn?: string, forced = false): Promise<void> {
    const current = (await trx('systems').where({ id: row.id }).first()) as SystemRow;
    if (current.archived_at) throw new ConflictError({ reason: 'system_archived' });
    if (!forced && !canTransition(current.status, to)) {
      throw new ConflictError(
        { reason: 'system_transition_not_allowed', from: current.status, to, allowedStates: [...TRANSITIONS[current.status]] },
        [{ code: 'forbidden_transition', message: 'not allowed', current: current.status, allowed: [...TRANSITIONS[current.status]], path: 'to' }],
      );
    }
    if (!forced && to === 'filed') {
      const grading = (await latestGradings(trx, [row.id])).get(row.id);
      if (grading && !isFiledLevel(Number(grading.level))) throw new ConflictError({ reason: 'level_one_not_filed' });
    }
    const at = now();
    await trx('systems').where({ id: row.id }).update({ status: to, updated_at: at });
    await trx('system_transitions').insert({
      system_id: row.id,
      organization_id: row.organization_id,
      from_state: current.status,
      to_state: to,
      effective_on: effectiveOn ?? todayInChina(),
      at,
      user_id: this.caller.userId,
      note: note ?? null,
      forced,
    });
  }

  async history(id: string): Promise<Array<{ from: string | null; to: string; effectiveOn: string; at: string; userId: string; username: string; note: string | null; forced: boolean }>> {
    await this.load(id);
    const rows = await this.knex('system_transitions')
      .join('users', 'users.id', 'system_transitions.user_id')
      .where({ system_id: id })
      .orderBy('seq')
      .select('system_transitions.*', 'users.username');
    return rows.map((r: Record<string, any>) => ({
      from: r.from_state ?? null,
      to: r.to_state,
      effectiveOn: r.effective_on,
      at: r.at,
      userId: r.user_id,
      username: r.username,
      note: r.note ?? null,
      forced: bool(r.forced),
    }));
  }
}
