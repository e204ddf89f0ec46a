import type { Knex } from 'knex';
import { requireAdmin, type Caller } from '../context.js';
import { engineOf } from '../database/index.js';
import { transaction } from '../database/transaction.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { bool, newId, now } from '../util.js';
import { assertPasswordPolicy, DEFAULT_PASSWORD_POLICY, setPassword, type PasswordPolicy } from './credentials.js';
import { hashPassword } from './passwords.js';

export interface UserView {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  isAdmin: boolean;
  disabled: boolean;
  createdAt: string;
}

export const userView = (r: Record<string, any>): UserView => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  email: r.email ?? null,
  isAdmin: bool(r.is_admin),
  disabled: bool(r.disabled),
  createdAt: r.created_at,
});

export interface NewUser {
  username: string;
  displayName: string;
  password: string;
  email?: string;
  isAdmin?: boolean;
  /** Must choose a new password at first sign-in (accounts an administrator sets up). */
  mustChangePassword?: boolean;
}

/** Platform user accounts. Managed by admins; every user may read their own. */
export class UsersService {
  constructor(
    private readonly knex: Knex,
    private readonly caller: Caller,
    private readonly passwordPolicy: PasswordPolicy = DEFAULT_PASSWORD_POLICY,
  ) {}

  async list(): Promise<UserView[]> {
    requireAdmin(this.caller);
    return (await this.knex('users').orderBy('username')).map(userView);
  }

  async get(id: string): Promise<UserView> {
    if (id !== this.caller.userId) requireAdmin(this.caller);
    const row = await this.knex('users').where({ id }).first();
    if (!row) throw new NotFoundError({ resource: 'user', id });
    return userView(row);
  }

  async create(input: NewUser): Promise<UserView> {
    requireAdmin(this.caller);
    assertPasswordPolicy(input.password, this.passwordPolicy);
    // The administrator knows this password: the user replaces it at first sign-in.
    return createUser(this.knex, { ...input, mustChangePassword: true });
  }

  async update(id: string, patch: { displayName?: string; email?: string | null; disabled?: boolean; isAdmin?: boolean; password?: string }): Promise<UserView> {
    requireAdmin(this.caller);
    return transaction(this.knex, async (trx) => {
      const row = await trx('users').where({ id }).first();
      if (!row) throw new NotFoundError({ resource: 'user', id });
      if (patch.isAdmin === false || patch.disabled === true) await assertNotLastAdmin(trx, id);
      const at = now();
      const changes: Record<string, unknown> = { updated_at: at };
      if (patch.displayName !== undefined) changes.display_name = patch.displayName;
      if (patch.email !== undefined) changes.email = patch.email;
      if (patch.disabled !== undefined) changes.disabled = patch.disabled;
      if (patch.isAdmin !== undefined) changes.is_admin = patch.isAdmin;
      await trx('users').where({ id }).update(changes);
      // A reset: policy and history apply, every session and API token of the user ends, and the
      // user must choose a new password at the next sign-in.
      if (patch.password !== undefined) await setPassword(trx, id, patch.password, this.passwordPolicy, { mustChange: true });
      // A disabled account ends every session of that user.
      if (patch.disabled) await trx('sessions').where({ user_id: id }).delete();
      return userView(await trx('users').where({ id }).first());
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
    is_admin: input.isAdmin ?? false,
    disabled: false,
    failed_logins: 0,
    password_changed_at: at,
    must_change_password: input.mustChangePassword ?? false,
    created_at: at,
    updated_at: at,
  };
  await knex('users').insert(row);
  return userView(row);
}

/**
 * The platform keeps at least one enabled administrator: removing the admin flag from, or
 * disabling, the last one is refused (409 last_admin). Kept in one place for the platform roles.
 */
export async function assertNotLastAdmin(knex: Knex, userId: string): Promise<void> {
  const user = await knex('users').where({ id: userId }).first();
  if (!user || !bool(user.is_admin) || bool(user.disabled)) return;
  // PostgreSQL: lock the administrators' rows, so two demotions at once cannot both see the other
  // one still in place (SQLite runs one transaction at a time anyway).
  const admins = knex('users').where({ is_admin: true, disabled: false }).select('id');
  const ids: string[] = (await (engineOf(knex) === 'postgres' ? admins.forUpdate() : admins)).map((r: { id: string }) => r.id);
  if (!ids.some((id) => id !== userId)) throw new ConflictError({ reason: 'last_admin' });
}
