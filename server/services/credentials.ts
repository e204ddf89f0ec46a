import type { Knex } from 'knex';
import type { Config } from '../config.js';
import { transaction } from '../database/transaction.js';
import { ValidationError, type ErrorDetail } from '../errors.js';
import { newId, now } from '../util.js';
import { hashPassword, verifyPassword } from './passwords.js';

/** GB/T 22239 8.1.4.1 a): password complexity, and no reuse of recent passwords. */
export interface PasswordPolicy {
  minLength: number;
  /** Of the four classes: lower-case, upper-case, digits, symbols (anything else). */
  minClasses: number;
  /** The new password may equal none of the last `history` passwords (the current one included). */
  history: number;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicy = { minLength: 10, minClasses: 3, history: 5 };

export const passwordPolicyOf = (config: Pick<Config, 'identity'>): PasswordPolicy => ({
  minLength: config.identity.passwordMinLength,
  minClasses: config.identity.passwordMinClasses,
  history: config.identity.passwordHistory,
});

const CLASSES = [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{Ll}\p{Lu}\p{Nd}]/u];

/** What is wrong with a password under the policy (empty when it is acceptable). */
export function policyProblems(password: string, policy: PasswordPolicy, path = 'password'): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if ([...password].length < policy.minLength) problems.push({ path, code: 'password_too_short', message: `must be at least ${policy.minLength} characters`, minimum: policy.minLength });
  const classes = CLASSES.filter((r) => r.test(password)).length;
  if (classes < policy.minClasses) {
    problems.push({ path, code: 'password_too_simple', message: `must contain at least ${policy.minClasses} of: lower-case, upper-case, digits, symbols`, minimum: policy.minClasses });
  }
  return problems;
}

export function assertPasswordPolicy(password: string, policy: PasswordPolicy, path = 'password'): void {
  const problems = policyProblems(password, policy, path);
  if (problems.length) throw new ValidationError({ location: 'body' }, problems);
}

export interface SetPasswordOptions {
  /** Set by an administrator (reset or new account): the user must choose their own at next sign-in. */
  mustChange: boolean;
  /** The session the change is made from, which stays signed in (self-service change). */
  keepSessionId?: string;
  /** The field named in errors. */
  path?: string;
}

/**
 * Sets a user's password: policy, no reuse of the last passwords, history kept (hashes only).
 * Every API token of the user is revoked and every other session ended: whoever held the old
 * password, or a token made with it, is out.
 */
export async function setPassword(knex: Knex, userId: string, password: string, policy: PasswordPolicy, options: SetPasswordOptions): Promise<void> {
  const path = options.path ?? 'password';
  assertPasswordPolicy(password, policy, path);
  await transaction(knex, async (trx) => {
    const user = await trx('users').where({ id: userId }).first();
    if (!user) return;
    if (policy.history > 0) {
      const previous = await trx('password_history').where({ user_id: userId }).orderBy('created_at', 'desc').limit(policy.history - 1).pluck('password_hash');
      for (const hash of [user.password_hash, ...previous]) {
        if (await verifyPassword(password, hash)) {
          throw new ValidationError({ location: 'body' }, [{ path, code: 'password_reused', message: `must differ from the last ${policy.history} passwords`, count: policy.history }]);
        }
      }
    }
    const at = now();
    await trx('password_history').insert({ id: newId(), user_id: userId, password_hash: user.password_hash, created_at: at });
    const keep = await trx('password_history').where({ user_id: userId }).orderBy('created_at', 'desc').limit(Math.max(policy.history, 1)).pluck('id');
    await trx('password_history').where({ user_id: userId }).whereNotIn('id', keep).delete();
    await trx('users').where({ id: userId }).update({
      password_hash: await hashPassword(password),
      password_changed_at: at,
      must_change_password: options.mustChange,
      failed_logins: 0,
      locked_until: null,
      updated_at: at,
    });
    await trx('api_tokens').where({ user_id: userId }).whereNull('revoked_at').update({ revoked_at: at });
    await trx('sessions')
      .where({ user_id: userId })
      .modify((q) => (options.keepSessionId ? q.whereNot({ id: options.keepSessionId }) : q))
      .delete();
  });
}

/**
 * Outside demo mode the demo accounts (if an installation kept them) must not keep the published
 * demo password: each one still using it must change it at its next sign-in.
 */
export async function flagDemoPasswords(knex: Knex, demo: { password: string; users: Array<{ username: string }> }): Promise<string[]> {
  const flagged: string[] = [];
  for (const u of demo.users) {
    const row = await knex('users').where({ username: u.username.toLowerCase() }).first();
    if (row && (await verifyPassword(demo.password, row.password_hash))) {
      await knex('users').where({ id: row.id }).update({ must_change_password: true });
      flagged.push(row.username);
    }
  }
  return flagged;
}
