import type { Knex } from 'knex';
import type { Caller, OrgRole, PlatformRole } from '../context.js';
import { bool } from '../util.js';

/**
 * Builds the Caller for a user id (user row, platform roles and ACTIVE memberships: a pending one
 * gives nothing until an officer accepts it), or undefined if absent or disabled.
 */
export async function loadCaller(knex: Knex, userId: string, via: Caller['via']): Promise<Caller | undefined> {
  const user = await knex('users').where({ id: userId }).first();
  if (!user || bool(user.disabled)) return undefined;
  const memberships = await knex('memberships').where({ user_id: userId, status: 'active' }).select('organization_id', 'role');
  const roles = (await knex('platform_roles').where({ user_id: userId }).orderBy('role').select('role')).map((r: { role: PlatformRole }) => r.role);
  return {
    userId: user.id,
    username: user.username,
    displayName: user.display_name,
    isAdmin: roles.length > 0,
    platformRoles: roles,
    memberships: new Map(memberships.map((m: { organization_id: string; role: OrgRole }) => [m.organization_id, m.role])),
    via,
  };
}
