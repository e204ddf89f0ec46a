import type { Knex } from 'knex';
import type { Caller } from '../context.js';
import { transaction } from '../database/transaction.js';
import { ConflictError, NotFoundError, ValidationError, WrongPasswordError } from '../errors.js';
import { bool, now } from '../util.js';
import type { AuthService } from './auth.js';
import { setPassword, type PasswordPolicy } from './credentials.js';
import { newTotpSecret, replaceRecoveryCodes, totpStep } from './mfa.js';

export interface SessionView {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string | null;
  userAgent: string | null;
  /** The session this request came with. */
  current: boolean;
}

export interface MfaStatus {
  enabled: boolean;
  enabledAt: string | null;
  /** Enrolment begun, waiting for a code. */
  pending: boolean;
  recoveryCodesLeft: number;
}

/** Where the request comes from: the session it uses and the address (for sign-in throttling). */
export interface RequestOrigin {
  sessionId?: string;
  ip?: string;
}

/**
 * A user's own account: password change, sessions, second factor. Everything acts on the caller
 * only; another user's session is 404.
 */
export class AccountService {
  constructor(
    private readonly knex: Knex,
    private readonly caller: Caller,
    private readonly auth: AuthService,
    private readonly policy: PasswordPolicy,
  ) {}

  /**
   * Self-service password change: the current password is required (a wrong one counts as a
   * failed sign-in). Ends every other session and every API token; this session stays.
   */
  async changePassword(currentPassword: string, newPassword: string, origin: RequestOrigin): Promise<void> {
    await this.requirePassword(currentPassword, origin, 'currentPassword');
    await setPassword(this.knex, this.caller.userId, newPassword, this.policy, { mustChange: false, keepSessionId: origin.sessionId, path: 'newPassword' });
  }

  async sessions(origin: RequestOrigin): Promise<SessionView[]> {
    const rows = await this.knex('sessions').where({ user_id: this.caller.userId }).orderBy('last_seen_at', 'desc');
    return rows.map((r) => ({
      id: r.id,
      createdAt: r.created_at,
      lastSeenAt: r.last_seen_at,
      expiresAt: r.expires_at,
      ip: r.ip ?? null,
      userAgent: r.user_agent ?? null,
      current: r.id === origin.sessionId,
    }));
  }

  /** Ends one of the caller's sessions (the current one too: that is a sign-out). */
  async revokeSession(id: string): Promise<void> {
    const n = await this.knex('sessions').where({ id, user_id: this.caller.userId }).delete();
    if (!n) throw new NotFoundError({ resource: 'session', id });
  }

  async mfaStatus(): Promise<MfaStatus> {
    const user = await this.knex('users').where({ id: this.caller.userId }).first();
    const left = await this.knex('recovery_codes').where({ user_id: this.caller.userId }).whereNull('used_at').count({ n: '*' }).first();
    const enabled = Boolean(user?.totp_enabled_at);
    return { enabled, enabledAt: user?.totp_enabled_at ?? null, pending: !enabled && Boolean(user?.totp_pending_secret), recoveryCodesLeft: Number(left?.n ?? 0) };
  }

  /**
   * Begins TOTP enrolment: a new secret, returned this once (with its otpauth:// URI for a QR
   * code) and kept encrypted until a code confirms it.
   */
  async beginTotp(): Promise<{ secret: string; otpauthUri: string }> {
    const user = await this.knex('users').where({ id: this.caller.userId }).first();
    if (user.totp_enabled_at) throw new ConflictError({ reason: 'mfa_already_enabled' });
    const created = newTotpSecret(user.username);
    await this.knex('users').where({ id: user.id }).update({ totp_pending_secret: this.auth.secretBox.seal(created.secret) });
    return created;
  }

  /** Confirms enrolment with a current code; returns the 10 recovery codes, shown this once. */
  async confirmTotp(code: string): Promise<{ recoveryCodes: string[] }> {
    const user = await this.knex('users').where({ id: this.caller.userId }).first();
    if (user.totp_enabled_at) throw new ConflictError({ reason: 'mfa_already_enabled' });
    const secret = user.totp_pending_secret ? this.auth.secretBox.open(user.totp_pending_secret) : undefined;
    if (!secret) throw new ConflictError({ reason: 'mfa_not_started' });
    const step = await totpStep(secret, code.replace(/\s/g, ''));
    if (step === undefined) throw new ValidationError({ location: 'body' }, [{ path: 'code', code: 'invalid_otp', message: 'wrong code: check the time on your device' }]);
    return transaction(this.knex, async (trx) => {
      await trx('users').where({ id: user.id }).update({ totp_secret: user.totp_pending_secret, totp_pending_secret: null, totp_enabled_at: now(), totp_last_step: step });
      return { recoveryCodes: await replaceRecoveryCodes(trx, user.id) };
    });
  }

  /** Turns the second factor off (current password required). */
  async disableTotp(password: string, origin: RequestOrigin): Promise<void> {
    await this.requirePassword(password, origin, 'password');
    await clearSecondFactor(this.knex, this.caller.userId);
  }

  /** New recovery codes (the old ones stop working); current password required. */
  async regenerateRecoveryCodes(password: string, origin: RequestOrigin): Promise<{ recoveryCodes: string[] }> {
    const user = await this.knex('users').where({ id: this.caller.userId }).first();
    if (!user.totp_enabled_at) throw new ConflictError({ reason: 'mfa_not_enabled' });
    await this.requirePassword(password, origin, 'password');
    return { recoveryCodes: await replaceRecoveryCodes(this.knex, user.id) };
  }

  private async requirePassword(password: string, origin: RequestOrigin, path: string): Promise<void> {
    if (!(await this.auth.confirmPassword(this.caller.userId, password, { ip: origin.ip }))) {
      throw new WrongPasswordError({}, [{ path, code: 'wrong_password', message: 'wrong password' }]);
    }
  }
}

/** Removes a user's second factor and recovery codes (their own choice, or an administrator's reset). */
export async function clearSecondFactor(knex: Knex, userId: string): Promise<void> {
  await transaction(knex, async (trx) => {
    await trx('users').where({ id: userId }).update({ totp_secret: null, totp_pending_secret: null, totp_enabled_at: null, totp_last_step: null });
    await trx('recovery_codes').where({ user_id: userId }).delete();
  });
}

/** The flags the identity gate reads for every signed-in request. */
export interface IdentityFlags {
  mustChangePassword: boolean;
  mfaEnabled: boolean;
}

export async function identityFlags(knex: Knex, userId: string, passwordMaxAgeDays = 0): Promise<IdentityFlags> {
  const row = await knex('users').where({ id: userId }).first('must_change_password', 'totp_enabled_at', 'password_changed_at');
  return identityFlagsOf(row, passwordMaxAgeDays);
}

/** The flags of a users row already read. */
export function identityFlagsOf(row: Record<string, any> | undefined, passwordMaxAgeDays = 0): IdentityFlags {
  // GB/T 22239 8.1.4.1 a): passwords are changed periodically.
  const expired = passwordMaxAgeDays > 0 && Boolean(row?.password_changed_at) && Date.parse(row!.password_changed_at) < Date.now() - passwordMaxAgeDays * 86_400_000;
  return { mustChangePassword: bool(row?.must_change_password) || expired, mfaEnabled: Boolean(row?.totp_enabled_at) };
}
