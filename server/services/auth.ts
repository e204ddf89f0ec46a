import { createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { AccountLockedError, InvalidCredentialsError, InvalidOtpError, MfaRequiredError, TooManyAttemptsError } from '../errors.js';
import { addMinutes, bool, now } from '../util.js';
import { SecretBox, verifySecondFactor } from './mfa.js';
import { dummyPasswordHash, verifyPassword } from './passwords.js';
import { LoginThrottle, type Counts, type Refusal } from './throttle.js';
import type { TokenScope } from './tokens.js';

export interface SessionPolicy {
  idleMinutes: number;
  maxHours: number;
  /** Failures that lock one (username, IP) pair. */
  maxFailures: number;
  lockMinutes: number;
  /** Failures (from any address) that lock the account; default 4 × maxFailures. */
  accountMaxFailures?: number;
  /** Failures from one IP address before it gets 429; default 50. */
  ipMaxFailures?: number;
}

export const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

export interface LoginResult {
  token: string;
  userId: string;
  expiresAt: string;
  mustChangePassword: boolean;
}

export interface LoginMeta {
  ip?: string;
  userAgent?: string;
  /** Second-factor code (TOTP or recovery code) for users who enrolled one. */
  otp?: string;
}

const refused = (r: Refusal) => (r.kind === 'ip' ? new TooManyAttemptsError({ until: r.until }) : new AccountLockedError({ until: r.until }));

/**
 * Sign-in, sessions and API-token resolution. Sessions live in the database (so several server
 * processes share them); only the SHA-256 of the cookie token is stored. Sessions end after
 * `idleMinutes` without a request or `maxHours` after sign-in, whichever comes first. Failed
 * sign-ins are throttled per (username, IP), per account and per IP (LoginThrottle;
 * GB/T 22239 8.1.4.1 b: login-failure handling); users with TOTP also give a code (8.1.4.1 d).
 */
export class AuthService {
  private readonly throttle: LoginThrottle;
  private readonly idleMs: number;

  constructor(
    private readonly knex: Knex,
    private readonly policy: SessionPolicy,
    /** Opens stored TOTP secrets; without it nobody can pass a second factor. */
    private readonly box: SecretBox = new SecretBox(randomBytes(32).toString('hex')),
  ) {
    this.throttle = new LoginThrottle(knex, {
      pairMaxFailures: policy.maxFailures,
      accountMaxFailures: policy.accountMaxFailures ?? policy.maxFailures * 4,
      ipMaxFailures: policy.ipMaxFailures ?? 50,
      lockMinutes: policy.lockMinutes,
    });
    this.idleMs = policy.idleMinutes * 60_000;
  }

  get secretBox(): SecretBox {
    return this.box;
  }

  /**
   * Checks a password (and, for users with TOTP, `meta.otp`) and opens a session. A lock in force
   * refuses before the password is looked at; see LoginThrottle for how parallel guesses are counted.
   */
  /** The lock now in force on this username from this address (for the audit trail's lockout entry). */
  async lockOf(username: string, ip: string | undefined): Promise<Refusal | undefined> {
    const name = username.trim().toLowerCase();
    const user = await this.knex('users').where({ username: name }).first();
    return this.throttle.currentLock(name, ip, user, now());
  }

  async login(username: string, password: string, meta: LoginMeta = {}): Promise<LoginResult> {
    const result = await this.passwordStep(username, password, meta);
    if ('secondFactorFor' in result) throw new MfaRequiredError();
    return result;
  }

  /**
   * Like login, but a user with TOTP who gave no code yet is answered with their id instead of an
   * error (the browser then asks for the code, see secondFactor).
   */
  async passwordStep(username: string, password: string, meta: LoginMeta = {}): Promise<LoginResult | { secondFactorFor: string }> {
    const name = username.trim().toLowerCase();
    const user = await this.knex('users').where({ username: name }).first();
    const known = user && !bool(user.disabled) ? user : undefined;
    const at = now();
    const lock = await this.throttle.currentLock(name, meta.ip, known, at);
    if (lock) throw refused(lock);
    const { refusal, counts } = await this.throttle.reserve(name, meta.ip, known?.id, at);
    if (refusal) throw refused(refusal);
    if (!known) {
      await verifyPassword(password, await dummyPasswordHash()); // same cost as a real check
      await this.throttle.failed(name, meta.ip, undefined, counts, at);
      throw new InvalidCredentialsError();
    }
    if (!(await verifyPassword(password, known.password_hash))) {
      await this.throttle.failed(name, meta.ip, known.id, counts, at);
      throw new InvalidCredentialsError();
    }
    if (known.totp_enabled_at) {
      if (!meta.otp) {
        // The password was right: this attempt is not a failure, but earlier wrong codes still count.
        await this.throttle.release(name, meta.ip, known.id, counts);
        return { secondFactorFor: known.id as string };
      }
      if (!(await verifySecondFactor(this.knex, this.box, known, meta.otp))) {
        await this.throttle.failed(name, meta.ip, known.id, counts, at);
        throw new InvalidOtpError();
      }
    }
    await this.throttle.succeeded(name, meta.ip, known.id);
    return this.openSession(known, meta);
  }

  /**
   * The second step of a browser sign-in: the password was checked by `passwordStep`, the code
   * comes now. Counted like a sign-in attempt.
   */
  async secondFactor(userId: string, code: string, meta: LoginMeta = {}): Promise<LoginResult> {
    const user = await this.knex('users').where({ id: userId }).first();
    if (!user || bool(user.disabled) || !user.totp_enabled_at) throw new InvalidCredentialsError();
    const at = now();
    const lock = await this.throttle.currentLock(user.username, meta.ip, user, at);
    if (lock) throw refused(lock);
    const { refusal, counts } = await this.throttle.reserve(user.username, meta.ip, user.id, at);
    if (refusal) throw refused(refusal);
    if (!(await verifySecondFactor(this.knex, this.box, user, code))) {
      await this.throttle.failed(user.username, meta.ip, user.id, counts, at);
      throw new InvalidOtpError();
    }
    await this.throttle.succeeded(user.username, meta.ip, user.id);
    return this.openSession(user, meta);
  }

  /** Checks a user's own password (self-service changes); a wrong one counts as a failed sign-in. */
  async confirmPassword(userId: string, password: string, meta: LoginMeta = {}): Promise<boolean> {
    const user = await this.knex('users').where({ id: userId }).first();
    if (!user) return false;
    const at = now();
    const lock = await this.throttle.currentLock(user.username, meta.ip, user, at);
    if (lock) throw refused(lock);
    const { refusal, counts } = await this.throttle.reserve(user.username, meta.ip, user.id, at);
    if (refusal) throw refused(refusal);
    if (!(await verifyPassword(password, user.password_hash))) {
      await this.throttle.failed(user.username, meta.ip, user.id, counts, at);
      return false;
    }
    await this.throttle.release(user.username, meta.ip, user.id, counts);
    return true;
  }

  /** Lifts every sign-in lock on an account. */
  async unlock(userId: string): Promise<void> {
    const user = await this.knex('users').where({ id: userId }).first();
    if (user) await this.throttle.unlock(user.id, user.username);
  }

  private async openSession(user: { id: string; must_change_password?: unknown }, meta: LoginMeta): Promise<LoginResult> {
    const token = randomBytes(32).toString('base64url');
    const at = now();
    const expiresAt = addMinutes(at, this.policy.maxHours * 60);
    await this.knex('sessions').insert({
      id: sha256(token),
      user_id: user.id,
      created_at: at,
      last_seen_at: at,
      expires_at: expiresAt,
      ip: meta.ip?.slice(0, 64) ?? null,
      user_agent: meta.userAgent?.slice(0, 300) ?? null,
    });
    return { token, userId: user.id, expiresAt, mustChangePassword: bool(user.must_change_password) };
  }

  /** The user id of a live session, refreshing its idle timer; expired sessions are deleted. */
  async resolveSession(token: string): Promise<string | undefined> {
    return (await this.resolveSessionUser(token))?.id as string | undefined;
  }

  /**
   * The user row of a live session, read with the session in one statement (every request asks),
   * refreshing its idle timer; expired sessions are deleted.
   */
  async resolveSessionUser(token: string): Promise<Record<string, any> | undefined> {
    const id = sha256(token);
    const row = await this.knex('sessions')
      .join('users', 'users.id', 'sessions.user_id')
      .where('sessions.id', id)
      .first('users.*', 'sessions.last_seen_at as session_last_seen_at', 'sessions.expires_at as session_expires_at');
    if (!row) return undefined;
    const { session_last_seen_at: lastSeenAt, session_expires_at: expiresAt, ...user } = row;
    const session = { last_seen_at: lastSeenAt as string, expires_at: expiresAt as string };
    const at = now();
    const idleEnd = addMinutes(session.last_seen_at, this.policy.idleMinutes);
    if (session.expires_at <= at || idleEnd <= at) {
      await this.knex('sessions').where({ id }).delete();
      return undefined;
    }
    // Refresh once a tenth of the idle window (at most a minute) has passed: saves a write per
    // request, yet an active session never comes near its idle end, however short the window.
    if (Date.parse(at) - Date.parse(session.last_seen_at) > Math.min(60_000, this.idleMs / 10)) {
      await this.knex('sessions').where({ id }).update({ last_seen_at: at });
    }
    return user;
  }

  async logout(token: string): Promise<void> {
    await this.knex('sessions').where({ id: sha256(token) }).delete();
  }

  /** The user id and scope of a live API token, recording its use. */
  async resolveApiToken(token: string): Promise<{ userId: string; scope: TokenScope } | undefined> {
    const row = await this.knex('api_tokens').where({ token_hash: sha256(token) }).first();
    const at = now();
    if (!row || row.revoked_at || (row.expires_at && row.expires_at <= at)) return undefined;
    // Recorded to the minute, as a session's last sight: a script's every read was a write before
    // (on SQLite, each one queued behind the writers).
    if (!row.last_used_at || Date.parse(at) - Date.parse(row.last_used_at) > 60_000) await this.knex('api_tokens').where({ id: row.id }).update({ last_used_at: at });
    return { userId: row.user_id as string, scope: row.scope === 'read_only' ? 'read_only' : 'read_write' };
  }

  /** Removes sessions past their absolute or idle end (called at start and periodically). */
  async purgeExpiredSessions(): Promise<number> {
    const at = now();
    const idleCutoff = addMinutes(at, -this.policy.idleMinutes);
    // Failure counters past their window and lock are forgotten anyway: drop their rows.
    await this.knex('login_throttle')
      .where('updated_at', '<', addMinutes(at, -this.policy.lockMinutes))
      .where((w) => w.whereNull('locked_until').orWhere('locked_until', '<=', at))
      .delete();
    return this.knex('sessions').where('expires_at', '<=', at).orWhere('last_seen_at', '<=', idleCutoff).delete();
  }
}

export type { Counts };
