import type { Knex } from 'knex';
import { diff, recordAudit } from '../audit/chain.js';
import { can, requirePlatform, ScopedService, type OrgRole } from '../context.js';
import { engineOf } from '../database/index.js';
import { transaction } from '../database/transaction.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { newId, now } from '../util.js';

export interface OrganizationView {
  id: string;
  name: string;
  nameEn: string | null;
  creditCode: string | null;
  address: string | null;
  createdAt: string;
  updatedAt: string;
  /** The caller's role in it (null for an admin who is not a member). */
  role: OrgRole | null;
}

export interface OrganizationInput {
  name: string;
  nameEn?: string | null;
  creditCode?: string | null;
  address?: string | null;
}

export interface MembershipView {
  id: string;
  organizationId: string;
  userId: string;
  username: string;
  displayName: string;
  role: OrgRole;
  /** pending: proposed by a security administrator, or for an administrator; an officer accepts it. */
  status: 'active' | 'pending';
  /** The user holds a platform role. */
  administrator: boolean;
  createdAt: string;
}

/**
 * Organisations (tenants) and their memberships. Members see their organisations; system and
 * security administrators see every organisation's name (never its data); system administrators
 * create organisations; officers manage their organisation's memberships; security administrators
 * propose memberships anywhere, which an officer of the organisation must accept (a membership
 * for an administrator always needs an officer's acceptance). Every change is in the audit trail.
 */
export class OrganizationsService extends ScopedService {
  private view(r: Record<string, any>): OrganizationView {
    return {
      id: r.id,
      name: r.name,
      nameEn: r.name_en ?? null,
      creditCode: r.credit_code ?? null,
      address: r.address ?? null,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      role: this.caller.memberships.get(r.id) ?? null,
    };
  }

  async list(): Promise<OrganizationView[]> {
    const q = can(this.caller, 'organizations.list')
      ? this.knex('organizations')
      : this.scope.restrict(this.knex('organizations'), 'organizations.id');
    return (await q.orderBy('name')).map((r: Record<string, any>) => this.view(r));
  }

  /** Administrators may see any organisation's name; others only their own (anything else is 404). */
  private async load(id: string): Promise<Record<string, any>> {
    if (!can(this.caller, 'organizations.list')) this.scope.require(id, 'read');
    const row = await this.knex('organizations').where({ id }).first();
    if (!row) throw new NotFoundError({ resource: 'organization', id });
    return row;
  }

  async get(id: string): Promise<OrganizationView> {
    return this.view(await this.load(id));
  }

  async create(input: OrganizationInput): Promise<OrganizationView> {
    requirePlatform(this.caller, 'organizations.manage');
    const at = now();
    const row = {
      id: newId(),
      name: input.name,
      name_en: input.nameEn ?? null,
      credit_code: input.creditCode ?? null,
      address: input.address ?? null,
      created_at: at,
      updated_at: at,
    };
    await transaction(this.knex, async (trx) => {
      await trx('organizations').insert(row);
      await recordAudit(trx, { action: 'organization.create', targetType: 'organization', targetId: row.id, changes: { name: row.name } });
    });
    return this.view(row);
  }

  async update(id: string, patch: Partial<OrganizationInput>): Promise<OrganizationView> {
    if (!can(this.caller, 'organizations.manage')) this.scope.require(id, 'manage');
    const before = await this.load(id);
    const changes: Record<string, unknown> = { updated_at: now() };
    if (patch.name !== undefined) changes.name = patch.name;
    if (patch.nameEn !== undefined) changes.name_en = patch.nameEn;
    if (patch.creditCode !== undefined) changes.credit_code = patch.creditCode;
    if (patch.address !== undefined) changes.address = patch.address;
    await transaction(this.knex, async (trx) => {
      await trx('organizations').where({ id }).update(changes);
      const after = await trx('organizations').where({ id }).first();
      await recordAudit(trx, { organizationId: id, action: 'organization.update', targetType: 'organization', targetId: id, changes: diff(before, after, ['name', 'name_en', 'credit_code', 'address']) });
    });
    return this.get(id);
  }

  // ---- memberships ----

  /** Officers of the organisation, or security administrators (any organisation). */
  private requireManage(organizationId: string): void {
    if (!can(this.caller, 'memberships.manage')) this.scope.require(organizationId, 'manage');
  }

  private membershipQuery(knex: Knex, organizationId: string) {
    return knex('memberships')
      .join('users', 'users.id', 'memberships.user_id')
      .where('memberships.organization_id', organizationId)
      .select('memberships.*', 'users.username', 'users.display_name', 'users.is_admin');
  }

  private membershipView = (r: Record<string, any>): MembershipView => ({
    id: r.id,
    organizationId: r.organization_id,
    userId: r.user_id,
    username: r.username,
    displayName: r.display_name,
    role: r.role,
    status: r.status ?? 'active',
    administrator: r.is_admin === true || r.is_admin === 1,
    createdAt: r.created_at,
  });

  async listMembers(organizationId: string): Promise<MembershipView[]> {
    if (!can(this.caller, 'memberships.manage')) await this.load(organizationId);
    else if (!(await this.knex('organizations').where({ id: organizationId }).first())) throw new NotFoundError({ resource: 'organization', id: organizationId });
    const rows = await this.membershipQuery(this.knex, organizationId).orderBy('users.username');
    return rows.map(this.membershipView);
  }

  /**
   * Adds a member. Active at once when an officer of the organisation adds a non-administrator;
   * pending (an officer accepts or declines) when a security administrator proposes it or the
   * user is a platform administrator. Bootstrap: an organisation with no officer yet gets its
   * first officer from a security administrator directly, unless that user is an administrator.
   */
  async addMember(organizationId: string, input: { username: string; role: OrgRole }): Promise<MembershipView> {
    this.requireManage(organizationId);
    return transaction(this.knex, async (trx) => {
      if (!(await trx('organizations').where({ id: organizationId }).first())) throw new NotFoundError({ resource: 'organization', id: organizationId });
      const user = await trx('users').where({ username: input.username.trim().toLowerCase() }).first();
      if (!user) throw new NotFoundError({ resource: 'user', id: input.username });
      const administrator = !!(await trx('platform_roles').where({ user_id: user.id }).first());
      const byOfficer = this.caller.memberships.get(organizationId) === 'officer';
      const officers = await trx('memberships').where({ organization_id: organizationId, role: 'officer', status: 'active' }).count({ n: '*' }).first();
      const bootstrap = Number(officers?.n ?? 0) === 0 && input.role === 'officer';
      const status = !administrator && (byOfficer || bootstrap) ? 'active' : 'pending';
      const id = newId();
      await trx('memberships').insert({
        id,
        organization_id: organizationId,
        user_id: user.id,
        role: input.role,
        status,
        requested_by: this.caller.userId,
        created_at: now(),
      });
      await recordAudit(trx, { organizationId, action: status === 'active' ? 'membership.add' : 'membership.propose', targetType: 'membership', targetId: id, changes: { username: user.username, role: [null, input.role], status: [null, status], administrator } });
      return this.membershipView(await this.membershipQuery(trx, organizationId).where('memberships.id', id).first());
    });
  }

  /** An officer of the organisation accepts a pending membership (an administrator's included). */
  async acceptMember(organizationId: string, membershipId: string): Promise<MembershipView> {
    this.scope.require(organizationId, 'manage');
    return transaction(this.knex, async (trx) => {
      const m = await this.loadMembership(trx, organizationId, membershipId);
      if (m.status !== 'pending') throw new ConflictError({ reason: 'membership_not_pending' });
      const at = now();
      await trx('memberships').where({ id: membershipId }).update({ status: 'active', decided_by: this.caller.userId, decided_at: at });
      const view = this.membershipView(await this.membershipQuery(trx, organizationId).where('memberships.id', membershipId).first());
      await recordAudit(trx, { organizationId, action: 'membership.accept', targetType: 'membership', targetId: membershipId, changes: { username: view.username, role: view.role, status: ['pending', 'active'], administrator: view.administrator } });
      return view;
    });
  }

  /** An officer declines a pending membership: it is removed (the proposal stays in the audit trail). */
  async declineMember(organizationId: string, membershipId: string): Promise<void> {
    this.scope.require(organizationId, 'manage');
    await transaction(this.knex, async (trx) => {
      const m = await this.loadMembership(trx, organizationId, membershipId);
      if (m.status !== 'pending') throw new ConflictError({ reason: 'membership_not_pending' });
      const view = this.membershipView(await this.membershipQuery(trx, organizationId).where('memberships.id', membershipId).first());
      await trx('memberships').where({ id: membershipId }).delete();
      await recordAudit(trx, { organizationId, action: 'membership.decline', targetType: 'membership', targetId: membershipId, changes: { username: view.username, role: view.role, status: ['pending', null] } });
    });
  }

  async changeRole(organizationId: string, membershipId: string, role: OrgRole): Promise<MembershipView> {
    this.requireManage(organizationId);
    return transaction(this.knex, async (trx) => {
      const m = await this.loadMembership(trx, organizationId, membershipId);
      if (m.role === 'officer' && role !== 'officer' && m.status === 'active') await this.keepAnOfficer(trx, organizationId);
      await trx('memberships').where({ id: membershipId }).update({ role });
      const view = this.membershipView(await this.membershipQuery(trx, organizationId).where('memberships.id', membershipId).first());
      await recordAudit(trx, { organizationId, action: 'membership.role', targetType: 'membership', targetId: membershipId, changes: { username: view.username, role: [m.role, role] } });
      return view;
    });
  }

  async removeMember(organizationId: string, membershipId: string): Promise<void> {
    this.requireManage(organizationId);
    await transaction(this.knex, async (trx) => {
      const m = await this.loadMembership(trx, organizationId, membershipId);
      if (m.role === 'officer' && m.status === 'active') await this.keepAnOfficer(trx, organizationId);
      const view = this.membershipView(await this.membershipQuery(trx, organizationId).where('memberships.id', membershipId).first());
      await trx('memberships').where({ id: membershipId }).delete();
      await recordAudit(trx, { organizationId, action: 'membership.remove', targetType: 'membership', targetId: membershipId, changes: { username: view.username, role: [m.role, null], status: [m.status, null] } });
    });
  }

  private async loadMembership(trx: Knex, organizationId: string, membershipId: string) {
    // Under the row's lock (PostgreSQL): two removals of one membership at once must not both
    // pass this check, or the second reads a deleted row (found by the fuzz: a 500).
    const q = trx('memberships').where({ id: membershipId, organization_id: organizationId });
    const m = await (engineOf(trx) === 'postgres' ? q.forUpdate() : q).first();
    if (!m) throw new NotFoundError({ resource: 'membership', id: membershipId });
    return m;
  }

  /** Refuses to remove or demote the last officer: an organisation without one cannot be run. */
  private async keepAnOfficer(trx: Knex, organizationId: string): Promise<void> {
    const row = await trx('memberships').where({ organization_id: organizationId, role: 'officer', status: 'active' }).count({ n: '*' }).first();
    if (Number(row?.n ?? 0) <= 1) throw new ConflictError({ reason: 'last_officer' });
  }
}
