import type { Request, Response } from 'express';
import { AccountLockedError, AppError, InvalidCredentialsError, InvalidOtpError, TooManyAttemptsError } from '../errors.js';
import { deps } from '../http/request.js';
import { recordAudit } from './chain.js';

/**
 * A sign-in step with its audit entries on the platform chain: `auth.login`, `auth.login_failed`
 * (the username tried and the IP; a wrong second-factor code too), `auth.lockout` when this failure
 * locked the account or the (username, IP) pair, and `auth.login_locked` for an attempt refused by
 * a lock. `attempt` is the step itself (the password, the password and code, or the code alone);
 * a password step that still waits for the second factor records nothing yet. Used by the API and
 * the sign-in page.
 */
export async function auditedLogin<T extends object>(req: Request, res: Response, username: string, attempt: () => Promise<T>): Promise<T> {
  const { auth, db } = deps(req);
  const meta = { ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null };
  const name = username.trim().toLowerCase().slice(0, 64);
  try {
    const result = await attempt();
    if ('userId' in result) {
      res.locals.audited = true; // this entry replaces the middleware's
      const userId = (result as { userId: string }).userId;
      await recordAudit(db, { ...meta, action: 'auth.login', actorId: userId, actorName: name, targetType: 'user', targetId: userId, status: 200 });
    }
    return result;
  } catch (err: unknown) {
    const refused = err instanceof AccountLockedError || err instanceof TooManyAttemptsError;
    if (refused || err instanceof InvalidCredentialsError || err instanceof InvalidOtpError) {
      res.locals.audited = true;
      const user = await db('users').where({ username: name }).first();
      const base = { ...meta, actorId: user?.id ?? null, actorName: name, targetType: 'user', targetId: user?.id ?? null, status: (err as AppError).status };
      if (refused) {
        await recordAudit(db, { ...base, action: 'auth.login_locked', changes: { reason: (err as AppError).code } });
      } else {
        await recordAudit(db, { ...base, action: 'auth.login_failed', changes: { username: name, knownUser: !!user, secondFactor: (err as Error) instanceof InvalidOtpError } });
        const lock = await auth.lockOf(name, req.ip);
        if (lock) await recordAudit(db, { ...base, action: 'auth.lockout', changes: { kind: lock.kind, lockedUntil: lock.until } });
      }
    }
    throw err;
  }
}

/** Sign-out, recorded as `auth.logout` for the session's user. */
export async function auditedLogout(req: Request, res: Response, token: string): Promise<void> {
  const { auth, db } = deps(req);
  res.locals.audited = true;
  await auth.logout(token);
  await recordAudit(db, { action: 'auth.logout', actorId: req.caller?.userId ?? null, actorName: req.caller?.username ?? null, ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null, targetType: 'user', targetId: req.caller?.userId ?? null });
}
