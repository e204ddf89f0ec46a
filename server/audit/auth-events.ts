import type { Request, Response } from 'express';
import { AccountLockedError, AppError, InvalidCredentialsError } from '../errors.js';
import { deps } from '../http/request.js';
import type { LoginResult } from '../services/auth.js';
import { recordAudit } from './chain.js';

/**
 * Sign-in with its audit entries on the platform chain: `auth.login`, `auth.login_failed` (the
 * username tried and the IP), `auth.lockout` when this failure locked the account, and
 * `auth.login_locked` for an attempt on a locked account. Used by the API and the sign-in page.
 */
export async function auditedLogin(req: Request, res: Response, username: string, password: string): Promise<LoginResult> {
  const { auth, db } = deps(req);
  const meta = { ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null };
  const name = username.trim().toLowerCase().slice(0, 64);
  try {
    const result = await auth.login(username, password, { ip: req.ip, userAgent: req.get('user-agent') });
    res.locals.audited = true; // this entry replaces the middleware's
    await recordAudit(db, { ...meta, action: 'auth.login', actorId: result.userId, actorName: name, targetType: 'user', targetId: result.userId, status: 200 });
    return result;
  } catch (err) {
    if (err instanceof InvalidCredentialsError || err instanceof AccountLockedError) {
      res.locals.audited = true;
      const user = await db('users').where({ username: name }).first();
      const locked = !!user?.locked_until && user.locked_until > new Date().toISOString();
      const base = { ...meta, actorId: user?.id ?? null, actorName: name, targetType: 'user', targetId: user?.id ?? null, status: (err as AppError).status };
      if (err instanceof AccountLockedError) {
        await recordAudit(db, { ...base, action: 'auth.login_locked', changes: { lockedUntil: user?.locked_until ?? null } });
      } else {
        await recordAudit(db, { ...base, action: 'auth.login_failed', changes: { username: name, knownUser: !!user } });
        if (locked) await recordAudit(db, { ...base, action: 'auth.lockout', changes: { lockedUntil: user.locked_until } });
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
