import type { Knex } from 'knex';
import { addMinutes } from '../util.js';

export interface ThrottleLimits {
  /** Failures from one (username, IP) pair that lock the pair. */
  pairMaxFailures: number;
  /** Failures from any address that lock the account itself. */
  accountMaxFailures: number;
  /** Failures from one IP address (any username) within the window before it is refused (429). */
  ipMaxFailures: number;
  /** How long a lock lasts, and how long a failure is remembered. */
  lockMinutes: number;
}

/** Rows of a raw statement: better-sqlite3 answers an array, pg a result with `rows`. */
export function rawRows<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

export type Refusal = { kind: 'pair' | 'account'; until: string } | { kind: 'ip'; until: string };

/**
 * Sign-in throttling that holds under parallel requests. Every attempt first RESERVES a failure
 * in the database with one atomic `UPDATE … SET failures = failures + 1 … RETURNING` (an upsert
 * for the per-pair and per-IP counters) and is refused without checking the password when the
 * returned count is past the limit; a successful sign-in gives its reservation back. So at most
 * `pairMaxFailures` passwords are ever checked for one (username, IP) before the pair locks, however
 * many requests arrive at once.
 *
 * The (username, IP) pair locks first; the whole account only after `accountMaxFailures` (from any
 * address), so a stranger who knows a username cannot lock its owner out cheaply. One IP address
 * gets 429 after `ipMaxFailures` failures in the window, whatever usernames it tries.
 */
export class LoginThrottle {
  constructor(
    private readonly knex: Knex,
    private readonly limits: ThrottleLimits,
  ) {}

  // Addresses are cut to the column's room (an X-Forwarded-For from a local proxy can be anything).
  static pairKey = (username: string, ip: string | undefined) => `pair:${username.slice(0, 64)}|${(ip ?? '').slice(0, 64)}`;
  static ipKey = (ip: string | undefined) => `ip:${(ip ?? '').slice(0, 64)}`;

  /** A lock already in force, checked before anything is counted. */
  async currentLock(username: string, ip: string | undefined, user: { locked_until?: string | null } | undefined, at: string): Promise<Refusal | undefined> {
    const rows = await this.knex('login_throttle')
      .whereIn('throttle_key', [LoginThrottle.ipKey(ip), LoginThrottle.pairKey(username, ip)])
      .where('locked_until', '>', at)
      .select('throttle_key', 'locked_until');
    const ipLock = rows.find((r) => r.throttle_key.startsWith('ip:'));
    if (ipLock) return { kind: 'ip', until: ipLock.locked_until };
    if (rows[0]) return { kind: 'pair', until: rows[0].locked_until };
    if (user?.locked_until && user.locked_until > at) return { kind: 'account', until: user.locked_until };
    return undefined;
  }

  /**
   * Reserves one failure on the IP, the pair and (for a known user) the account, in that order,
   * stopping at the first counter past its limit. Returns the refusal, or the counts reserved.
   */
  async reserve(username: string, ip: string | undefined, userId: string | undefined, at: string): Promise<{ refusal?: Refusal; counts: Counts }> {
    const until = addMinutes(at, this.limits.lockMinutes);
    const counts: Counts = {};
    counts.ip = await this.bump(LoginThrottle.ipKey(ip), at);
    if (counts.ip > this.limits.ipMaxFailures) return { refusal: { kind: 'ip', until }, counts };
    counts.pair = await this.bump(LoginThrottle.pairKey(username, ip), at);
    if (counts.pair > this.limits.pairMaxFailures) return { refusal: { kind: 'pair', until }, counts };
    if (userId) {
      const [row] = rawRows<{ failed_logins: number }>(
        await this.knex.raw(
          `update users set failed_logins = case when locked_until is not null and locked_until <= ? then 1 else failed_logins + 1 end,
             locked_until = case when locked_until is not null and locked_until <= ? then null else locked_until end
           where id = ? returning failed_logins`,
          [at, at, userId],
        ),
      );
      counts.account = Number(row?.failed_logins ?? 0);
      if (counts.account > this.limits.accountMaxFailures) return { refusal: { kind: 'account', until }, counts };
    }
    return { counts };
  }

  /** The checked password (or code) was wrong: the reservation stands; lock what reached its limit. */
  async failed(username: string, ip: string | undefined, userId: string | undefined, counts: Counts, at: string): Promise<void> {
    const until = addMinutes(at, this.limits.lockMinutes);
    const lock = (key: string) => this.knex('login_throttle').where({ throttle_key: key }).update({ locked_until: until });
    if ((counts.ip ?? 0) >= this.limits.ipMaxFailures) await lock(LoginThrottle.ipKey(ip));
    if ((counts.pair ?? 0) >= this.limits.pairMaxFailures) await lock(LoginThrottle.pairKey(username, ip));
    if (userId && (counts.account ?? 0) >= this.limits.accountMaxFailures) {
      await this.knex('users').where({ id: userId }).update({ locked_until: until, failed_logins: 0 });
    }
  }

  /** The password was right: give the reservation back (the pair and account start again from zero). */
  async succeeded(username: string, ip: string | undefined, userId: string): Promise<void> {
    await this.knex('login_throttle').where({ throttle_key: LoginThrottle.pairKey(username, ip) }).delete();
    await this.knex('login_throttle')
      .where({ throttle_key: LoginThrottle.ipKey(ip) })
      .where('failures', '>', 0)
      .update({ failures: this.knex.raw('failures - 1') });
    await this.knex('users').where({ id: userId }).update({ failed_logins: 0 });
  }

  /** The attempt was neither a failure nor a sign-in (password right, code still to come): undo it. */
  async release(username: string, ip: string | undefined, userId: string, counts: Counts): Promise<void> {
    const down = (key: string) =>
      this.knex('login_throttle').where({ throttle_key: key }).where('failures', '>', 0).update({ failures: this.knex.raw('failures - 1') });
    if (counts.ip) await down(LoginThrottle.ipKey(ip));
    if (counts.pair) await down(LoginThrottle.pairKey(username, ip));
    if (counts.account) await this.knex('users').where({ id: userId }).where('failed_logins', '>', 0).update({ failed_logins: this.knex.raw('failed_logins - 1') });
  }

  /** Lifts every lock on an account (an administrator's unlock, a password reset). */
  async unlock(userId: string, username: string): Promise<void> {
    await this.knex('users').where({ id: userId }).update({ failed_logins: 0, locked_until: null });
    const prefix = `pair:${username}|`;
    await this.knex('login_throttle').whereRaw('substr(throttle_key, 1, ?) = ?', [prefix.length, prefix]).delete();
  }

  /** One atomic increment of a counter; failures older than the window are forgotten. */
  private async bump(key: string, at: string): Promise<number> {
    const windowStart = addMinutes(at, -this.limits.lockMinutes);
    const [row] = rawRows<{ failures: number }>(
      await this.knex.raw(
        `insert into login_throttle (throttle_key, failures, locked_until, updated_at) values (?, 1, null, ?)
         on conflict (throttle_key) do update set
           failures = case when login_throttle.updated_at < ? or (login_throttle.locked_until is not null and login_throttle.locked_until <= ?)
             then 1 else login_throttle.failures + 1 end,
           locked_until = case when login_throttle.locked_until is not null and login_throttle.locked_until <= ? then null else login_throttle.locked_until end,
           updated_at = excluded.updated_at
         returning failures`,
        [key, at, windowStart, at, at],
      ),
    );
    return Number(row!.failures);
  }
}

export interface Counts {
  ip?: number;
  pair?: number;
  account?: number;
}
