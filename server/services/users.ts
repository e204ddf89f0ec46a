import type { Knex } from 'knex';
import { requireAdmin, type Caller } from '../context.js';
import { transaction } from '../database/transaction.js';
import { NotFoundError } from '../errors.js';
import { bool, newId, now } from '../util.js';
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
}

/** Platform user accounts. Managed by admins; every user may read their own. */
export class UsersService {
  constructor(
    private readonly knex: Knex,
    private readonly caller: Caller,
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
    return createUser(this.knex, input);
  }

  async update(id: string, patch: { displayName?: string; email?: string | null; disabled?: boolean; isAdmin?: boolean; password?: string }): Promise<UserView> {
    requireAdmin(this.caller);
    return transaction(this.knex, async (trx) => {
      const row = await trx('users').where({ id }).first();
      if (!row) throw new NotFoundError({ resource: 'user', id });
      const at = now();
      const changes: Record<string, unknown> = { updated_at: at };
      if (patch.displayName !== undefined) changes.display_name = patch.displayName;
      if (patch.email !== undefined) changes.email = patch.email;
      if (patch.disabled !== undefined) changes.disabled = patch.disabled;
      if (patch.isAdmin !== undefined) changes.is_admin = patch.isAdmin;
      if (patch.password !== undefined) {
        changes.password_hash = await hashPassword(patch.password);
        changes.password_changed_at = at;
        changes.failed_logins = 0;
        changes.locked_until = null;
      }
      await trx('users').where({ id }).update(changes);
      // A disabled account or a new password ends every session of that user.
      if (patch.disabled || patch.password !== undefined) await trx('sessions').where({ user_id: id }).delete();
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
    created_at: at,
    updated_at: at,
  };
  await knex('users').insert(row);
  return userView(row);
}
