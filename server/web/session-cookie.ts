import type { Request, Response } from 'express';
import { SESSION_COOKIE } from '../http/request.js';
import type { LoginResult } from '../services/auth.js';

/** Between the password and the code of a browser sign-in: the user id, signed, for five minutes. */
export const MFA_COOKIE = 'dengbao_mfa';
const MFA_STEP_MS = 5 * 60_000;

export function startSession(req: Request, res: Response, result: LoginResult): void {
  res.clearCookie(MFA_COOKIE, { path: '/login' });
  res.cookie(SESSION_COOKIE, result.token, { httpOnly: true, sameSite: 'lax', secure: req.secure, signed: true, path: '/', expires: new Date(result.expiresAt) });
}

export function startSecondFactorStep(req: Request, res: Response, userId: string): void {
  res.cookie(MFA_COOKIE, `${userId}.${Date.now() + MFA_STEP_MS}`, { httpOnly: true, sameSite: 'strict', secure: req.secure, signed: true, path: '/login', maxAge: MFA_STEP_MS });
}

/** The user whose password was checked less than five minutes ago in this browser, if any. */
export function secondFactorUser(req: Request): string | undefined {
  const value = req.signedCookies?.[MFA_COOKIE];
  if (typeof value !== 'string') return undefined;
  const [userId, until] = value.split('.');
  return userId && Number(until) > Date.now() ? userId : undefined;
}
