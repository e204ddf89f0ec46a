import type { Knex } from 'knex';
import { engineOf } from '../database/index.js';
import { PLATFORM_ROLES, requirePlatform, type Caller, type PlatformRole } from '../context.js';
import { recordAudit } from '../audit/chain.js';
import { transaction } from '../database/transaction.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { now } from '../util.js';

/** The platform roles each user holds. */
export async function rolesOf(knex: Knex, userIds: string[]): Promise<Map<string, PlatformRole[]>> {
  const out = new Map<string, PlatformRole[]>();
  if (!userIds.length) return out;
  const rows: Array<{ user_id: string; role: PlatformRole }> = await knex('platform_roles').whereIn('user_id', userIds).orderBy('role');
  for (const r of rows) out.set(r.user_id, [...(out.get(r.user_id) ?? []), r.role]);
  return out;
}

/** 409 when one account would hold several platform roles and the installation does not allow it. */
export function checkCombination(roles: readonly PlatformRole[], allowCombined: boolean): void {
  if (roles.length > 1 && !allowCombined) throw new ConflictError({ reason: 'combined_admin_roles' });
}

/**
 * Refuses to take `role` from its last holder (an enabled account): nobody could grant it back but
 * the command line. One check per role that must always be held: system_admin and security_admin.
 */
export async function keepLastSystemAdmin(trx: Knex, userId: string): Promise<void> {
  await keepLastHolder(trx, 'system_admin', userId);
}
export async function keepLastSecurityAdmin(trx: Knex, userId: string): Promise<void> {
  await keepLastHolder(trx, 'security_admin', userId);
}
async function keepLastHolder(trx: Knex, role: PlatformRole, userId: string): Promise<void> {
  const holders = trx('platform_roles')
    .join('users', 'users.id', 'platform_roles.user_id')
    .where('platform_roles.role', role)
    .where('users.disabled', false)
    .select('platform_roles.user_id');
  // PostgreSQL: lock the role's rows, so two removals at once cannot each see the other still in
  // place (SQLite runs one write transaction at a time).
  const rows: Array<{ user_id: string }> = await (engineOf(trx) === 'postgres' ? holders.forUpdate('platform_roles') : holders);
  if (!rows.some((r) => r.user_id !== userId)) throw new ConflictError({ reason: 'last_role_holder' });
}
const LAST_HOLDER_CHECKS: Partial<Record<PlatformRole, (trx: Knex, userId: string) => Promise<void>>> = {
  system_admin: keepLastSystemAdmin,
  security_admin: keepLastSecurityAdmin,
};

/**
 * Sets a user's platform roles (security administrators; the CLI with SYSTEM_CALLER). A user who
 * becomes an administrator has their active memberships set back to pending: an officer of each
 * organisation must accept an administrator as a member. Recorded with old → new.
 */
export async function setPlatformRoles(knex: Knex, caller: Caller, userId: string, roles: PlatformRole[], allowCombined: boolean): Promise<PlatformRole[]> {
  requirePlatform(caller, 'roles.manage');
  const wanted = [...new Set(roles)].filter((r) => PLATFORM_ROLES.includes(r)).sort();
  checkCombination(wanted, allowCombined);
  return transaction(knex, async (trx) => {
    const user = await trx('users').where({ id: userId }).first();
    if (!user) throw new NotFoundError({ resource: 'user', id: userId });
    const before = ((await rolesOf(trx, [userId])).get(userId) ?? []).sort();
    for (const r of before.filter((r) => !wanted.includes(r))) await LAST_HOLDER_CHECKS[r]?.(trx, userId);
    const at = now();
    await trx('platform_roles').where({ user_id: userId }).whereNotIn('role', wanted).delete();
    for (const r of wanted.filter((r) => !before.includes(r))) await trx('platform_roles').insert({ user_id: userId, role: r, granted_by: caller.via === 'system' ? null : caller.userId, granted_at: at });
    // The old flag follows the roles, for anything still reading it.
    await trx('users').where({ id: userId }).update({ is_admin: wanted.length > 0, updated_at: at });
    let suspended: string[] = [];
    if (!before.length && wanted.length) {
      suspended = (await trx('memberships').where({ user_id: userId, status: 'active' }).select('organization_id')).map((m: { organization_id: string }) => m.organization_id);
      await trx('memberships').where({ user_id: userId, status: 'active' }).update({ status: 'pending', requested_by: caller.via === 'system' ? null : caller.userId, decided_by: null, decided_at: null });
    }
    await recordAudit(trx, { action: 'user.roles', targetType: 'user', targetId: userId, changes: { username: user.username, roles: [before, wanted], membershipsSuspended: suspended } });
    for (const org of suspended) await recordAudit(trx, { organizationId: org, action: 'membership.suspended', targetType: 'user', targetId: userId, changes: { username: user.username, reason: 'became a platform administrator', status: ['active', 'pending'] } });
    return wanted;
  });
}
