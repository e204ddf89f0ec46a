import type { Knex } from 'knex';
import { requireAdmin, ScopedService, type OrgRole } from '../context.js';
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
  createdAt: string;
}

/**
 * Organisations (tenants) and their memberships. Members see their organisations; admins see
 * and create all organisations and manage memberships anywhere; officers manage the memberships
 * of their own organisation.
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
    const q = this.caller.isAdmin
      ? this.knex('organizations')
      : this.scope.restrict(this.knex('organizations'), 'organizations.id');
    return (await q.orderBy('name')).map((r: Record<string, any>) => this.view(r));
  }

  /** Admins may see any organisation; others only their own (anything else is 404). */
  private async load(id: string): Promise<Record<string, any>> {
    if (!this.caller.isAdmin) this.scope.require(id, 'read');
    const row = await this.knex('organizations').where({ id }).first();
    if (!row) throw new NotFoundError({ resource: 'organization', id });
    return row;
  }

  async get(id: string): Promise<OrganizationView> {
    return this.view(await this.load(id));
  }

  async create(input: OrganizationInput): Promise<OrganizationView> {
    requireAdmin(this.caller);
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
    await this.knex('organizations').insert(row);
    return this.view(row);
  }

  async update(id: string, patch: Partial<OrganizationInput>): Promise<OrganizationView> {
    this.requireManage(id);
    await this.load(id);
    const changes: Record<string, unknown> = { updated_at: now() };
    if (patch.name !== undefined) changes.name = patch.name;
    if (patch.nameEn !== undefined) changes.name_en = patch.nameEn;
    if (patch.creditCode !== undefined) changes.credit_code = patch.creditCode;
    if (patch.address !== undefined) changes.address = patch.address;
    await this.knex('organizations').where({ id }).update(changes);
    return this.get(id);
  }

  // ---- memberships ----

  private requireManage(organizationId: string): void {
    if (!this.caller.isAdmin) this.scope.require(organizationId, 'manage');
  }

  private membershipQuery(knex: Knex, organizationId: string) {
    return knex('memberships')
      .join('users', 'users.id', 'memberships.user_id')
      .where('memberships.organization_id', organizationId)
      .select('memberships.*', 'users.username', 'users.display_name');
  }

  private membershipView = (r: Record<string, any>): MembershipView => ({
    id: r.id,
    organizationId: r.organization_id,
    userId: r.user_id,
    username: r.username,
    displayName: r.display_name,
    role: r.role,
    createdAt: r.created_at,
  });

  async listMembers(organizationId: string): Promise<MembershipView[]> {
    await this.load(organizationId);
    const rows = await this.membershipQuery(this.knex, organizationId).orderBy('users.username');
    return rows.map(this.membershipView);
  }

  async addMember(organizationId: string, input: { username: string; role: OrgRole }): Promise<MembershipView> {
    this.requireManage(organizationId);
    await this.load(organizationId);
    const user = await this.knex('users').where({ username: input.username.trim().toLowerCase() }).first();
    if (!user) throw new NotFoundError({ resource: 'user', id: input.username });
    const id = newId();
    await this.knex('memberships').insert({
      id,
      organization_id: organizationId,
      user_id: user.id,
      role: input.role,
      created_at: now(),
    });
    return this.membershipView(await this.membershipQuery(this.knex, organizationId).where('memberships.id', id).first());
  }

  async changeRole(organizationId: string, membershipId: string, role: OrgRole): Promise<MembershipView> {
    this.requireManage(organizationId);
    return transaction(this.knex, async (trx) => {
      const m = await this.loadMembership(trx, organizationId, membershipId);
      if (m.role === 'officer' && role !== 'officer') await this.keepAnOfficer(trx, organizationId);
      await trx('memberships').where({ id: membershipId }).update({ role });
      return this.membershipView(await this.membershipQuery(trx, organizationId).where('memberships.id', membershipId).first());
    });
  }

  async removeMember(organizationId: string, membershipId: string): Promise<void> {
    this.requireManage(organizationId);
    await transaction(this.knex, async (trx) => {
      const m = await this.loadMembership(trx, organizationId, membershipId);
      if (m.role === 'officer') await this.keepAnOfficer(trx, organizationId);
      await trx('memberships').where({ id: membershipId }).delete();
    });
  }

  private async loadMembership(trx: Knex, organizationId: string, membershipId: string) {
    const m = await trx('memberships').where({ id: membershipId, organization_id: organizationId }).first();
    if (!m) throw new NotFoundError({ resource: 'membership', id: membershipId });
    return m;
  }

  /** Refuses to remove or demote the last officer: an organisation without one cannot be run. */
  private async keepAnOfficer(trx: Knex, organizationId: string): Promise<void> {
    const row = await trx('memberships').where({ organization_id: organizationId, role: 'officer' }).count({ n: '*' }).first();
    if (Number(row?.n ?? 0) <= 1) throw new ConflictError({ reason: 'last_officer' });
  }
}
