import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { transaction } from '../database/transaction.js';
import { AccountLockedError, InvalidCredentialsError } from '../errors.js';
import { addMinutes, bool, newId, now } from '../util.js';
import { dummyPasswordHash, verifyPassword } from './passwords.js';

export interface SessionPolicy {
  idleMinutes: number;
  maxHours: number;
  maxFailures: number;
  lockMinutes: number;
}

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export interface LoginResult {
  token: string;
  userId: string;
  expiresAt: string;
}

/**
 * Sign-in, sessions and API-token resolution. Sessions live in the database (so several server
 * processes share them); only the SHA-256 of the cookie token is stored. Sessions end after
 * `idleMinutes` without a request or `maxHours` after sign-in, whichever comes first; repeated
 * failures lock the account for `lockMinutes` (GB/T 22239 8.1.4.1 b: login-failure handling).
 */
export class AuthService {
  constructor(
    private readonly knex: Knex,
    private readonly policy: SessionPolicy,
  ) {}

  async login(username: string, password: string, meta: { ip?: string; userAgent?: string } = {}): Promise<LoginResult> {
    const user = await this.knex('users').where({ username: username.trim().toLowerCase() }).first();
    const at = now();
    if (!user || bool(user.disabled)) {
      await verifyPassword(password, await dummyPasswordHash()); // same cost as a real check
      throw new InvalidCredentialsError();
    }
    if (user.locked_until && user.locked_until > at) throw new AccountLockedError({ until: user.locked_until });
    if (!(await verifyPassword(password, user.password_hash))) {
      const failures = Number(user.failed_logins) + 1;
      const lock = failures >= this.policy.maxFailures;
      await this.knex('users')
        .where({ id: user.id })
        .update({
          failed_logins: lock ? 0 : failures,
          locked_until: lock ? addMinutes(at, this.policy.lockMinutes) : user.locked_until,
          updated_at: at,
        });
      throw new InvalidCredentialsError();
    }
    const token = randomBytes(32).toString('base64url');
    const expiresAt = addMinutes(at, this.policy.maxHours * 60);
    await transaction(this.knex, async (trx) => {
      await trx('users').where({ id: user.id }).update({ failed_logins: 0, locked_until: null });
      await trx('sessions').insert({
        id: sha256(token),
        user_id: user.id,
        created_at: at,
        last_seen_at: at,
        expires_at: expiresAt,
        ip: meta.ip?.slice(0, 64) ?? null,
        user_agent: meta.userAgent?.slice(0, 300) ?? null,
      });
    });
    return { token, userId: user.id, expiresAt };
  }

  /** The user id of a live session, refreshing its idle timer; expired sessions are deleted. */
  async resolveSession(token: string): Promise<string | undefined> {
    const id = sha256(token);
    const session = await this.knex('sessions').where({ id }).first();
    if (!session) return undefined;
    const at = now();
    const idleEnd = addMinutes(session.last_seen_at, this.policy.idleMinutes);
    if (session.expires_at <= at || idleEnd <= at) {
      await this.knex('sessions').where({ id }).delete();
      return undefined;
    }
    // Refresh at most once a minute: saves a write per request.
    if (Date.parse(at) - Date.parse(session.last_seen_at) > 60_000) {
      await this.knex('sessions').where({ id }).update({ last_seen_at: at });
    }
    return session.user_id as string;
  }

  async logout(token: string): Promise<void> {
    await this.knex('sessions').where({ id: sha256(token) }).delete();
  }

  /** The user id of a live API token, recording its use. */
  async resolveApiToken(token: string): Promise<string | undefined> {
    const row = await this.knex('api_tokens').where({ token_hash: sha256(token) }).first();
    const at = now();
    if (!row || row.revoked_at || (row.expires_at && row.expires_at <= at)) return undefined;
    await this.knex('api_tokens').where({ id: row.id }).update({ last_used_at: at });
    return row.user_id as string;
  }

  /** Removes sessions past their absolute or idle end (called at start and periodically). */
  async purgeExpiredSessions(): Promise<number> {
    const at = now();
    const idleCutoff = addMinutes(at, -this.policy.idleMinutes);
    return this.knex('sessions').where('expires_at', '<=', at).orWhere('last_seen_at', '<=', idleCutoff).delete();
  }
}
