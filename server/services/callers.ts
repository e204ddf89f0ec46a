import type { Knex } from 'knex';
import type { Caller, OrgRole } from '../context.js';
import { bool } from '../util.js';

/** Builds the Caller for a user id (user row plus memberships), or undefined if absent or disabled. */
export async function loadCaller(knex: Knex, userId: string, via: Caller['via']): Promise<Caller | undefined> {
  const user = await knex('users').where({ id: userId }).first();
  if (!user || bool(user.disabled)) return undefined;
  const memberships = await knex('memberships').where({ user_id: userId }).select('organization_id', 'role');
  return {
    userId: user.id,
    username: user.username,
    displayName: user.display_name,
    isAdmin: bool(user.is_admin),
    memberships: new Map(memberships.map((m: { organization_id: string; role: OrgRole }) => [m.organization_id, m.role])),
    via,
  };
}
