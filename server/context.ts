import type { Knex } from 'knex';
import { noteOrganization } from './audit/context.js';
import { ForbiddenError, NotFoundError } from './errors.js';

export const ORG_ROLES = ['officer', 'consultant', 'auditor'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

/**
 * What a role may do inside its organisation. One table, read by every scoped service:
 * - read: see the organisation's data;        - download: fetch files and reports;
 * - edit: change assessments and evidence;     - manage: systems, programme and memberships.
 */
export type Permission = 'read' | 'download' | 'edit' | 'manage' | 'audit';
/** `audit`: read and export the organisation's audit trail (officers and auditors, not consultants). */
export const ROLE_PERMISSIONS: Record<OrgRole, readonly Permission[]> = {
  officer: ['read', 'download', 'edit', 'manage', 'audit'],
  consultant: ['read', 'download', 'edit'],
  auditor: ['read', 'download', 'audit'],
};

/**
 * 三权分立: the platform roles. An account holds at most one of them unless
 * ALLOW_COMBINED_ADMIN_ROLES=1. None of them gives access to organisation data.
 */
export const PLATFORM_ROLES = ['system_admin', 'security_admin', 'audit_admin'] as const;
export type PlatformRole = (typeof PLATFORM_ROLES)[number];

/** What a platform role may do, by action. The one table pages and services ask (via `can`). */
export const PLATFORM_POLICY = {
  /** See the user accounts (security administrators need them to grant roles and unlock). */
  'users.read': ['system_admin', 'security_admin'],
  /** Create accounts, edit, disable, reset passwords. */
  'users.manage': ['system_admin'],
  /** Clear a sign-in lock. */
  'users.unlock': ['security_admin'],
  /** Grant and revoke platform roles. */
  'roles.manage': ['security_admin'],
  /** See every organisation's name (not its data). */
  'organizations.list': ['system_admin', 'security_admin'],
  /** Create organisations and edit their names and addresses. */
  'organizations.manage': ['system_admin'],
  /** Propose memberships anywhere (pending until an officer accepts), change roles, remove. */
  'memberships.manage': ['security_admin'],
  /** Publish shared cloud platforms to every organisation (configuration). */
  'platforms.publish': ['system_admin'],
  /** Read and export the platform's audit trail. */
  'audit.platform': ['audit_admin'],
} as const satisfies Record<string, readonly PlatformRole[]>;
export type PlatformAction = keyof typeof PLATFORM_POLICY;

/** Who is calling. Built once per request by the authentication middleware. */
export interface Caller {
  userId: string;
  username: string;
  displayName: string;
  /** Holds any platform role (kept for callers that only ask "is this an administrator"). */
  isAdmin: boolean;
  /** 三权分立 roles; ask `can(caller, action)`, never compare role names. */
  platformRoles: readonly PlatformRole[];
  memberships: ReadonlyMap<string, OrgRole>;
  via: 'session' | 'token' | 'system';
}

/** The context every service is built with: a knex (or an open transaction) and the caller. */
export interface ServiceContext {
  knex: Knex;
  caller: Caller;
}

/**
 * The ONE scoping mechanism for organisation data. Services never query an organisation-owned
 * table directly; they go through `scope.query()` or `scope.require()`, so a route cannot forget
 * the tenant filter. Access to another organisation's resource is indistinguishable from a
 * resource that does not exist (404): no 403, no details.
 */
export class OrganizationScope {
  constructor(readonly caller: Caller) {}

  can(organizationId: string, permission: Permission): boolean {
    const role = this.caller.memberships.get(organizationId);
    return role !== undefined && ROLE_PERMISSIONS[role].includes(permission);
  }

  /** Organisations in which the caller holds `permission`. */
  organizationIds(permission: Permission = 'read'): string[] {
    return [...this.caller.memberships.keys()].filter((id) => this.can(id, permission));
  }

  /** Restricts a query on an organisation-owned table to the caller's organisations. */
  restrict<QB extends Knex.QueryBuilder>(qb: QB, column: string, permission: Permission = 'read'): QB {
    const ids = this.organizationIds(permission);
    return (ids.length ? qb.whereIn(column, ids) : qb.whereRaw('1 = 0')) as QB;
  }

  /** A query builder on `table`, already limited to the caller's organisations. */
  query(knex: Knex, table: string, permission: Permission = 'read', column = 'organization_id'): Knex.QueryBuilder {
    return this.restrict(knex(table), `${table}.${column}`, permission);
  }

  /**
   * Asserts that the caller may act on an organisation: not a member → 404 (as if it did not
   * exist); a member without the permission → 403.
   */
  require(organizationId: string, permission: Permission, resource = 'organization'): OrgRole {
    const role = this.caller.memberships.get(organizationId);
    if (!role) throw new NotFoundError({ resource, id: organizationId });
    noteOrganization(organizationId); // a member's request (even refused) goes to this organisation's chain
    if (!ROLE_PERMISSIONS[role].includes(permission)) throw new ForbiddenError({ action: permission });
    return role;
  }
}

/** Base class of services that read or write organisation data. */
export abstract class ScopedService {
  protected readonly knex: Knex;
  protected readonly caller: Caller;
  protected readonly scope: OrganizationScope;

  constructor(ctx: ServiceContext) {
    this.knex = ctx.knex;
    this.caller = ctx.caller;
    this.scope = new OrganizationScope(ctx.caller);
  }

  /**
   * Loads one organisation-owned row by id, scoped to the caller. Rows of organisations the
   * caller does not belong to are 404; rows the caller may read but not `permission` are 403.
   */
  protected async findScoped<T extends { organization_id: string }>(
    table: string,
    id: string,
    permission: Permission = 'read',
    resource = table,
  ): Promise<T> {
    const row = (await this.scope.query(this.knex, table, 'read').where(`${table}.id`, id).first()) as T | undefined;
    if (!row) throw new NotFoundError({ resource, id });
    this.scope.require(row.organization_id, permission, resource);
    return row;
  }
}

/** Whether the caller's platform roles allow `action` (PLATFORM_POLICY). */
export function can(caller: Caller, action: PlatformAction): boolean {
  const allowed: readonly PlatformRole[] = PLATFORM_POLICY[action];
  return caller.platformRoles.some((r) => allowed.includes(r));
}

/** 403 unless the caller's platform roles allow `action`. */
export function requirePlatform(caller: Caller, action: PlatformAction): void {
  if (!can(caller, action)) throw new ForbiddenError({ action });
}

/** The caller used by start-up jobs (migrations, demo data, catalogue loading). */
export const SYSTEM_CALLER: Caller = {
  userId: '00000000-0000-0000-0000-000000000000',
  username: 'system',
  displayName: 'system',
  isAdmin: true,
  platformRoles: PLATFORM_ROLES,
  memberships: new Map(),
  via: 'system',
};
