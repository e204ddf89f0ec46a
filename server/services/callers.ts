import type { Knex } from 'knex';
import type { Caller, OrgRole, PlatformRole } from '../context.js';
import { bool } from '../util.js';

/**
 * Builds the Caller for a user id (user row, platform roles and ACTIVE memberships: a pending one
 * gives nothing until an officer accepts it), or undefined if absent or disabled.
 */
export async function loadCaller(knex: Knex, userId: string, via: Caller['via']): Promise<Caller | undefined> {
  const user = await knex('users').where({ id: userId }).first();
  return user ? callerOf(knex, user, via) : undefined;
}

/**
 * The Caller of a user row already read (sign-in checks read it with the session): memberships and
 * platform roles in one statement, or undefined if the user is disabled.
 */
export async function callerOf(knex: Knex, user: Record<string, any>, via: Caller['via']): Promise<Caller | undefined> {
  if (bool(user.disabled)) return undefined;
  const grants: Array<{ organization_id: string | null; role: string }> = await knex('memberships')
    .where({ user_id: user.id, status: 'active' })
    .select('organization_id', 'role')
    .unionAll((u) => u.from('platform_roles').where({ user_id: user.id }).select(knex.raw('null as organization_id'), 'role'));
  const memberships = grants.filter((g) => g.organization_id !== null) as Array<{ organization_id: string; role: OrgRole }>;
  const roles = grants
    .filter((g) => g.organization_id === null)
    .map((g) => g.role as PlatformRole)
    .sort();
  return {
    userId: user.id,
    username: user.username,
    displayName: user.display_name,
    isAdmin: roles.length > 0,
    platformRoles: roles,
    memberships: new Map(memberships.map((m) => [m.organization_id, m.role])),
    via,
  };
}
