import { auditedLogin } from '../audit/auth-events.js';
import { Router, type Request, type Response } from 'express';
import { AppError } from '../errors.js';
import { identityGate } from '../http/guards.js';
import { deps, requireCaller } from '../http/request.js';
import { accountService, originOf } from '../routes/account.js';
import { TOKEN_SCOPES, TokensService, type TokenScope } from '../services/tokens.js';
import { requireCsrf } from './csrf.js';
import { landingAfterSignIn } from './landing.js';
import { renderPage, signedIn } from './render.js';
import { safeBack } from './redirect.js';
import { secondFactorUser, startSession } from './session-cookie.js';
import { formAction, fieldErrors } from './system-pages.js';

/**
 * The user's own account page (/account): password change, second factor, sessions and API
 * tokens. Secrets (a new TOTP secret, recovery codes, a new token) are rendered in the answer to
 * the POST that made them, never put in a URL.
 */
export const accountPagesRouter = Router();

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const tokens = (req: Request) => {
  const { identity } = deps(req).config;
  return new TokensService(deps(req).db, requireCaller(req), { defaultDays: identity.tokenDefaultDays, maxDays: identity.tokenMaxDays });
};

async function renderAccount(req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200): Promise<void> {
  const account = accountService(req);
  const { identity } = deps(req).config;
  const mfa = await account.mfaStatus();
  renderPage(
    req,
    res,
    'account',
    {
      title: req.t('ui.account.title'),
      nav: 'account',
      gate: await identityGate(req),
      mfa,
      // The code field stays until enrolment is confirmed (the key itself is shown only once).
      showConfirm: Boolean(extra.enrolment) || mfa.pending,
      sessions: await account.sessions(originOf(req)),
      tokens: (await tokens(req).list()).filter((t) => !t.revokedAt && (!t.expiresAt || t.expiresAt > new Date().toISOString())),
      scopes: TOKEN_SCOPES.map((s) => ({ value: s, label: req.t(`ui.account.scope_${s}`) })),
      tokenDefaultDays: identity.tokenDefaultDays,
      tokenMaxDays: identity.tokenMaxDays,
      error: typeof req.query.error === 'string' ? req.query.error : undefined,
      done: typeof req.query.done === 'string' ? req.t(`ui.account.done_${req.query.done.replace(/\W/g, '')}`, { defaultValue: '' }) : undefined,
      fieldErrors: fieldErrors(req),
      L: req.t('ui', { returnObjects: true }),
      ...extra,
    },
    status,
  );
}

/** Renders the page again with the error of a failed action that shows a secret on success. */
async function renderFailure(req: Request, res: Response, err: unknown): Promise<void> {
  if (!(err instanceof AppError) || err.status >= 500) throw err;
  const message = req.t(`errors.${err.code}`, { ...err.params, defaultValue: err.message });
  const known = err.code === 'conflict' && typeof err.params.reason === 'string' ? req.t(`errors.${err.params.reason}`, { defaultValue: '' }) : '';
  await renderAccount(req, res, { error: known || message, fieldErrors: Object.fromEntries(err.details.filter((d) => d.path).map((d) => [d.path, d.message])) }, err.status);
}

accountPagesRouter.get('/account', signedIn, (req, res) => renderAccount(req, res));

accountPagesRouter.post('/account/password', signedIn, requireCsrf, (req, res) =>
  formAction(req, res, '/account', async () => {
    await accountService(req).changePassword(str(req.body.currentPassword), str(req.body.newPassword), originOf(req));
    return '/account?done=password';
  }),
);

accountPagesRouter.post('/account/mfa/begin', signedIn, requireCsrf, async (req, res) => {
  try {
    await renderAccount(req, res, { enrolment: await accountService(req).beginTotp() });
  } catch (err) {
    await renderFailure(req, res, err);
  }
});

accountPagesRouter.post('/account/mfa/confirm', signedIn, requireCsrf, async (req, res) => {
  try {
    const { recoveryCodes } = await accountService(req).confirmTotp(str(req.body.code));
    (req as Request & { identityGate?: unknown }).identityGate = undefined; // enrolled: the gate may have lifted
    await renderAccount(req, res, { recoveryCodes });
  } catch (err) {
    await renderFailure(req, res, err);
  }
});

accountPagesRouter.post('/account/mfa/recovery-codes', signedIn, requireCsrf, async (req, res) => {
  try {
    await renderAccount(req, res, await accountService(req).regenerateRecoveryCodes(str(req.body.password), originOf(req)));
  } catch (err) {
    await renderFailure(req, res, err);
  }
});

accountPagesRouter.post('/account/mfa/disable', signedIn, requireCsrf, (req, res) =>
  formAction(req, res, '/account', async () => {
    await accountService(req).disableTotp(str(req.body.password), originOf(req));
    return '/account?done=mfa_disabled';
  }),
);

accountPagesRouter.post('/account/sessions/:id/revoke', signedIn, requireCsrf, (req, res) =>
  formAction(req, res, '/account', async () => {
    await accountService(req).revokeSession(String(req.params.id));
    return req.params.id === req.sessionId ? '/login' : '/account?done=session_revoked';
  }),
);

accountPagesRouter.post('/account/tokens', signedIn, requireCsrf, async (req, res) => {
  try {
    const days = str(req.body.expiresInDays).trim();
    const scope = TOKEN_SCOPES.includes(req.body.scope) ? (req.body.scope as TokenScope) : 'read_only';
    const created = await tokens(req).create({ name: str(req.body.name).trim().slice(0, 100) || 'token', scope, expiresInDays: /^\d{1,4}$/.test(days) && Number(days) > 0 ? Number(days) : undefined });
    await renderAccount(req, res, { newToken: created });
  } catch (err) {
    await renderFailure(req, res, err);
  }
});

accountPagesRouter.post('/account/tokens/:id/revoke', signedIn, requireCsrf, (req, res) =>
  formAction(req, res, '/account', async () => {
    await tokens(req).revoke(String(req.params.id));
    return '/account?done=token_revoked';
  }),
);

/** The second step of a browser sign-in: the code from the authenticator (or a recovery code). */
accountPagesRouter.post('/login/mfa', requireCsrf, async (req, res) => {
  const userId = secondFactorUser(req);
  const view = { title: req.t('ui.sign_in'), mfaStep: true };
  if (!userId) return renderPage(req, res, 'login', { title: req.t('ui.sign_in'), error: req.t('errors.session_expired') }, 401);
  try {
    const { auth, db } = deps(req);
    const username = ((await db('users').where({ id: userId }).first())?.username as string | undefined) ?? '';
    const result = await auditedLogin(req, res, username, () => auth.secondFactor(userId, str(req.body.code), { ip: req.ip, userAgent: req.get('user-agent') }));
    startSession(req, res, result);
    res.redirect(303, result.mustChangePassword ? '/account' : await landingAfterSignIn(db, result.userId, req.query.back));
  } catch (err) {
    if (err instanceof AppError && err.status < 500) return renderPage(req, res, 'login', { ...view, error: req.t(`errors.${err.code}`, err.params) }, err.status);
    throw err;
  }
});
