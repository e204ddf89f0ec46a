import type { NextFunction, Request, Response } from 'express';
import type { Caller } from '../context.js';
import { CrossSiteRequestError, MfaEnrolmentRequiredError, PasswordChangeRequiredError, ReadOnlyTokenError } from '../errors.js';
import { identityFlags } from '../services/account.js';
import { deps } from './request.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whom REQUIRE_MFA_ADMIN applies to (one place, for when platform roles replace the admin flag). */
export function isPlatformAdministrator(caller: Caller): boolean {
  return caller.isAdmin;
}

/**
 * A browser request from another site: `Sec-Fetch-Site` when the browser sends it (all current
 * ones do), else `Origin` against this server's own origin. Neither header (scripts, old
 * browsers) is not cross-site; the SameSite=Lax cookie still holds there.
 */
export function isCrossSite(req: Request): boolean {
  const site = req.get('sec-fetch-site');
  if (site) return site !== 'same-origin' && site !== 'none';
  const origin = req.get('origin');
  if (!origin) return false;
  return origin !== `${req.protocol}://${req.host}`;
}

/** What the signed-in user must do before anything else, if anything. */
export async function identityGate(req: Request): Promise<'password' | 'mfa' | undefined> {
  const caller = req.caller;
  if (!caller || caller.via === 'system') return undefined;
  const cached = (req as Request & { identityGate?: 'password' | 'mfa' | null }).identityGate;
  if (cached !== undefined) return cached ?? undefined;
  const { db, config } = deps(req);
  // Flags read with the session serve once; a later ask (after an enrolment lifted the gate) re-reads.
  const flags = req.identityFlags ?? (await identityFlags(db, caller.userId, config.identity.passwordMaxAgeDays));
  req.identityFlags = undefined;
  const gate = flags.mustChangePassword ? 'password' : config.identity.requireMfaAdmin && isPlatformAdministrator(caller) && !flags.mfaEnabled ? 'mfa' : undefined;
  (req as Request & { identityGate?: 'password' | 'mfa' | null }).identityGate = gate ?? null;
  return gate;
}

// What stays reachable while a password change or the second factor is due (paths under /api/v1).
const OPEN_WHILE_GATED: Record<'password' | 'mfa', Array<[string, string]>> = {
  password: [['GET', '/me'], ['POST', '/auth/logout'], ['POST', '/me/password']],
  mfa: [['GET', '/me'], ['POST', '/auth/logout'], ['GET', '/me/mfa'], ['POST', '/me/mfa/totp'], ['POST', '/me/mfa/totp/confirm']],
};

/**
 * API guards after authentication: cookie-authenticated writes from another site are refused
 * (403 cross_site_request; tokens are not cookies and are unaffected), read-only tokens may only
 * read (403 token_read_only), and a user who must change their password (or an administrator who
 * must enrol a second factor) can do only that (403 password_change_required / mfa_enrolment_required).
 */
export async function apiGuards(req: Request, _res: Response, next: NextFunction): Promise<void> {
  const caller = req.caller;
  if (!caller) return next();
  if (!SAFE_METHODS.has(req.method)) {
    if (caller.via === 'session' && isCrossSite(req)) throw new CrossSiteRequestError();
    if (req.tokenScope === 'read_only') throw new ReadOnlyTokenError();
  }
  const gate = await identityGate(req);
  if (gate && !OPEN_WHILE_GATED[gate].some(([m, p]) => (req.method === m || (m === 'GET' && req.method === 'HEAD')) && req.path === p)) {
    throw gate === 'password' ? new PasswordChangeRequiredError() : new MfaEnrolmentRequiredError();
  }
  next();
}

const PAGES_OPEN_WHILE_GATED = ['/account', '/logout', '/lang', '/login'];

/** Pages: a user with a password change or second factor due is sent to /account first. */
export async function pageGuards(req: Request, res: Response, next: NextFunction): Promise<void> {
  if (!req.caller || req.path.startsWith('/api/') || PAGES_OPEN_WHILE_GATED.some((p) => req.path === p || req.path.startsWith(`${p}/`))) return next();
  const gate = await identityGate(req);
  if (gate) return res.redirect(303, '/account');
  next();
}
