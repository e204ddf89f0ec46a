import type { Knex } from 'knex';
import { diff, recordAudit } from '../audit/chain.js';
import { requirePlatform, type Caller, type PlatformRole } from '../context.js';
import { transaction } from '../database/transaction.js';
import { NotFoundError } from '../errors.js';
import { keepLastSecurityAdmin, keepLastSystemAdmin, rolesOf } from './platform-roles.js';
import { bool, newId, now } from '../util.js';
import { assertPasswordPolicy, DEFAULT_PASSWORD_POLICY, setPassword, type PasswordPolicy } from './credentials.js';
import { hashPassword } from './passwords.js';

export interface UserView {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  /** Holds any platform role. */
  isAdmin: boolean;
  roles: PlatformRole[];
  disabled: boolean;
  /** Locked by failed sign-ins until this time (null: not locked). */
  lockedUntil: string | null;
  createdAt: string;
}

export const userView = (r: Record<string, any>, roles: PlatformRole[] = []): UserView => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  email: r.email ?? null,
  isAdmin: roles.length > 0,
  roles,
  disabled: bool(r.disabled),
  lockedUntil: r.locked_until && r.locked_until > new Date().toISOString() ? r.locked_until : null,
  createdAt: r.created_at,
});

export interface NewUser {
  username: string;
  displayName: string;
  password: string;
  email?: string;
  /** Platform roles (the CLI and the demo only; the API grants them through setPlatformRoles). */
  roles?: PlatformRole[];
  /** Must choose a new password at first sign-in (accounts an administrator sets up). */
  mustChangePassword?: boolean;
}

/**
 * Platform user accounts. System administrators manage them, security administrators see them
 * (to grant roles and unlock); every user may read their own.
 */
export class UsersService {
  constructor(
    private readonly knex: Knex,
    private readonly caller: Caller,
    private readonly passwordPolicy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
  ) {}

  async list(): Promise<UserView[]> {
    requirePlatform(this.caller, 'users.read');
    const rows = await this.knex('users').orderBy('username');
    const roles = await rolesOf(this.knex, rows.map((r: { id: string }) => r.id));
    return rows.map((r: Record<string, any>) => userView(r, roles.get(r.id)));
  }

  async get(id: string): Promise<UserView> {
    if (id !== this.caller.userId) requirePlatform(this.caller, 'users.read');
    const row = await this.knex('users').where({ id }).first();
    if (!row) throw new NotFoundError({ resource: 'user', id });
    return userView(row, (await rolesOf(this.knex, [id])).get(id));
  }

  async create(input: NewUser): Promise<UserView> {
    requirePlatform(this.caller, 'users.manage');
    assertPasswordPolicy(input.password, this.passwordPolicy);
    return transaction(this.knex, async (trx) => {
      // The administrator knows this password: the user replaces it at first sign-in.
      const user = await createUser(trx, { ...input, roles: [], mustChangePassword: true });
      await recordAudit(trx, { action: 'user.create', targetType: 'user', targetId: user.id, changes: { username: user.username, displayName: user.displayName, email: user.email, password: '***' } });
      return user;
    });
  }

  /** Clears a sign-in lock (security administrators). */
  async unlock(id: string): Promise<UserView> {
    requirePlatform(this.caller, 'users.unlock');
    return transaction(this.knex, async (trx) => {
      const row = await trx('users').where({ id }).first();
      if (!row) throw new NotFoundError({ resource: 'user', id });
      await trx('users').where({ id }).update({ failed_logins: 0, locked_until: null, updated_at: now() });
      await recordAudit(trx, { action: 'user.unlock', targetType: 'user', targetId: id, changes: { username: row.username, lockedUntil: [row.locked_until ?? null, null] } });
      return userView(await trx('users').where({ id }).first(), (await rolesOf(trx, [id])).get(id));
    });
  }

  async update(id: string, patch: { displayName?: string; email?: string | null; disabled?: boolean; password?: string }): Promise<UserView> {
    requirePlatform(this.caller, 'users.manage');
    return transaction(this.knex, async (trx) => {
      const row = await trx('users').where({ id }).first();
      if (!row) throw new NotFoundError({ resource: 'user', id });
      const at = now();
      const changes: Record<string, unknown> = { updated_at: at };
      if (patch.displayName !== undefined) changes.display_name = patch.displayName;
      if (patch.email !== undefined) changes.email = patch.email;
      if (patch.disabled !== undefined) changes.disabled = patch.disabled;
      if (patch.disabled && !bool(row.disabled)) {
        // Disabling is removing: the last system or security administrator stays.
        const held = (await rolesOf(trx, [id])).get(id) ?? [];
        if (held.includes('system_admin')) await keepLastSystemAdmin(trx, id);
        if (held.includes('security_admin')) await keepLastSecurityAdmin(trx, id);
      }
      if (patch.password !== undefined) {
        changes.failed_logins = 0;
        changes.locked_until = null;
      }
      await trx('users').where({ id }).update(changes);
      // A reset: policy and history apply, every session and API token of the user ends, and the
      // user must choose a new password at the next sign-in.
      if (patch.password !== undefined) await setPassword(trx, id, patch.password, this.passwordPolicy, { mustChange: true });
      // A disabled account or a new password ends every session of that user.
      if (patch.disabled || patch.password !== undefined) await trx('sessions').where({ user_id: id }).delete();
      const after = await trx('users').where({ id }).first();
      const changed = diff(row, after, ['display_name', 'email', 'disabled']);
      if (patch.password !== undefined) changed.password = ['***', '***'];
      await recordAudit(trx, { action: 'user.update', targetType: 'user', targetId: id, changes: { username: row.username, ...changed } });
      return userView(after, (await rolesOf(trx, [id])).get(id));
    });
  }
}

/** Inserts a user (used by the admin API, the CLI and the demo fixtures). */
export async function createUser(knex: Knex, input: NewUser): Promise<UserView> {
  const at = now();
  const row = {
    id: newId(),
    username: input.username.trim().toLowerCase(),
    display_name: input.displayName,
    email: input.email ?? null,
    password_hash: await hashPassword(input.password),
    is_admin: (input.roles?.length ?? 0) > 0,
    disabled: false,
    failed_logins: 0,
    password_changed_at: at,
    must_change_password: input.mustChangePassword ?? false,
    created_at: at,
    updated_at: at,
  };
  await knex('users').insert(row);
  for (const role of new Set(input.roles ?? [])) await knex('platform_roles').insert({ user_id: row.id, role, granted_at: at });
  return userView(row, [...new Set(input.roles ?? [])].sort());
}
