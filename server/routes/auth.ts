import { Router } from 'express';
import { auditedLogin, auditedLogout } from '../audit/auth-events.js';
import { z } from 'zod';
import { deps, requireCaller, SESSION_COOKIE } from '../http/request.js';
import { validate } from '../http/validate.js';
import { identityGate } from '../http/guards.js';
import { loadCaller } from '../services/callers.js';
import { OrganizationsService } from '../services/organizations.js';

export const authRouter = Router();

export const loginBody = z.strictObject({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(200),
  /** Second factor, for users who enrolled one: a TOTP code or a recovery code. */
  otp: z.string().trim().min(1).max(32).optional(),
});

authRouter.post('/auth/login', async (req, res) => {
  const { username, password, otp } = validate(req, loginBody);
  const { auth, db } = deps(req);
  const result = await auditedLogin(req, res, username, () => auth.login(username, password, { ip: req.ip, userAgent: req.get('user-agent'), otp }));
  res.cookie(SESSION_COOKIE, result.token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: req.secure,
    signed: true,
    path: '/',
    expires: new Date(result.expiresAt),
  });
  req.log?.info({ userId: result.userId }, 'signed in');
  const caller = (await loadCaller(db, result.userId, 'session'))!;
  res.json({ user: { id: caller.userId, username: caller.username, displayName: caller.displayName }, expiresAt: result.expiresAt, mustChangePassword: result.mustChangePassword });
});

authRouter.post('/auth/logout', async (req, res) => {
  const token = req.signedCookies?.[SESSION_COOKIE];
  if (typeof token === 'string' && token) await auditedLogout(req, res, token);
  res.clearCookie(SESSION_COOKIE, { path: '/' });
  res.status(204).end();
});

authRouter.get('/me', async (req, res) => {
  const caller = requireCaller(req);
  const organizations = await new OrganizationsService({ knex: deps(req).db, caller }).list();
  res.json({
    user: { id: caller.userId, username: caller.username, displayName: caller.displayName, isAdmin: caller.isAdmin, platformRoles: caller.platformRoles },
    roles: [...caller.platformRoles, ...new Set(caller.memberships.values())],
    memberships: organizations
      .filter((o) => o.role)
      .map((o) => ({ organizationId: o.id, organizationName: o.name, role: o.role })),
    authenticatedVia: caller.via,
    // What the user must do first, if anything: 'password' (change it) or 'mfa' (enrol a second factor).
    pending: (await identityGate(req)) ?? null,
  });
});
