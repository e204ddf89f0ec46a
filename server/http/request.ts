import type { NextFunction, Request, Response } from 'express';
import type { TFunction } from 'i18next';
import type { Knex } from 'knex';
import type { Catalogue } from '../catalogue/index.js';
import type { Config } from '../config.js';
import type { BlobStore } from '../storage/blob-store.js';
import type { PdfPrinter } from '../../reports/pdf/chromium.js';
import type { JobQueue } from '../jobs/queue.js';
import type { Caller, ServiceContext } from '../context.js';
import { InvalidTokenError, SessionExpiredError, UnauthenticatedError } from '../errors.js';
import { detectLanguage, translator, type Language } from '../i18n.js';
import { sha256, type AuthService } from '../services/auth.js';
import { callerOf, loadCaller } from '../services/callers.js';
import { identityFlagsOf, type IdentityFlags } from '../services/account.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      lang: Language;
      t: TFunction;
      caller?: Caller;
      /** Why there is no caller: set when a cookie or token was sent but is no longer valid. */
      authProblem?: 'session_expired' | 'invalid_token';
      /** Scope of the API token the request came with (none for sessions). */
      tokenScope?: 'read_only' | 'read_write';
      /** Id (SHA-256 of the cookie) of the session the request came with. */
      sessionId?: string;
      /** The caller's password and second-factor state as read at sign-in check (used once by the identity gate). */
      identityFlags?: IdentityFlags;
    }
  }
}

/** What the app holds for its routes (express `app.locals.deps`). */
export interface AppDeps {
  db: Knex;
  catalogue: Catalogue;
  store: BlobStore;
  printer: PdfPrinter;
  config: Config;
  auth: AuthService;
  version: string;
  /** Where background work (reports) is queued. */
  jobs: JobQueue;
}

export const deps = (req: Request): AppDeps => req.app.locals.deps as AppDeps;

export const SESSION_COOKIE = 'dengbao_session';
export const LANG_COOKIE = 'lang';

/** Per-request language and a fixed translator (no global language switching). */
export function language(req: Request, _res: Response, next: NextFunction): void {
  req.lang = detectLanguage(req.query.lang, req.cookies?.[LANG_COOKIE], req.get('accept-language'));
  req.t = translator(req.lang);
  next();
}

/**
 * Identifies the caller from a bearer token (scripts) or the signed session cookie (browser).
 * Does not reject: routes call requireCaller(); /healthz and login stay public.
 */
export async function authenticate(req: Request, res: Response, next: NextFunction): Promise<void> {
  const { auth, db } = deps(req);
  const header = req.get('authorization');
  let userId: string | undefined;
  let user: Record<string, any> | undefined;
  let via: Caller['via'] = 'session';
  if (header?.toLowerCase().startsWith('bearer ')) {
    via = 'token';
    const resolved = await auth.resolveApiToken(header.slice(7).trim());
    userId = resolved?.userId;
    req.tokenScope = resolved?.scope;
    if (!userId) req.authProblem = 'invalid_token';
  } else {
    const token = req.signedCookies?.[SESSION_COOKIE];
    if (typeof token === 'string' && token) {
      user = await auth.resolveSessionUser(token);
      userId = user?.id as string | undefined;
      if (userId) req.sessionId = sha256(token);
      if (!userId) {
        req.authProblem = 'session_expired';
        res.clearCookie(SESSION_COOKIE, { path: '/' });
      }
    }
  }
  if (userId) {
    // A session's user row came with it: the caller and the identity gate's flags are read from it.
    req.caller = user ? await callerOf(db, user, via) : await loadCaller(db, userId, via);
    if (user && req.caller) req.identityFlags = identityFlagsOf(user, deps(req).config.identity.passwordMaxAgeDays);
    if (!req.caller) req.authProblem = via === 'token' ? 'invalid_token' : 'session_expired';
  }
  next();
}

export function requireCaller(req: Request): Caller {
  if (req.caller) return req.caller;
  if (req.authProblem === 'invalid_token') throw new InvalidTokenError();
  if (req.authProblem === 'session_expired') throw new SessionExpiredError();
  throw new UnauthenticatedError();
}

/** The context services are built with: the app's database and the authenticated caller. */
export function serviceContext(req: Request): ServiceContext {
  return { knex: deps(req).db, caller: requireCaller(req) };
}
