import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ForbiddenError } from '../errors.js';
import { deps } from '../http/request.js';

export const CSRF_COOKIE = 'dengbao_csrf';

/**
 * Signed double-submit CSRF protection for the HTML forms: a random value in a SameSite=Strict
 * cookie, and its HMAC (keyed with SESSION_SECRET) in every form. A cross-site page can neither
 * read the cookie nor compute the HMAC.
 */
export function csrfToken(req: Request, res: Response): string {
  let seed = req.cookies?.[CSRF_COOKIE] as string | undefined;
  if (!seed || !/^[A-Za-z0-9_-]{20,}$/.test(seed)) {
    seed = randomBytes(24).toString('base64url');
    res.cookie(CSRF_COOKIE, seed, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/' });
    req.cookies[CSRF_COOKIE] = seed;
  }
  return createHmac('sha256', deps(req).config.sessionSecret).update(seed).digest('base64url');
}

export function requireCsrf(req: Request, _res: Response, next: NextFunction): void {
  const seed = req.cookies?.[CSRF_COOKIE] as string | undefined;
  // Multipart forms carry the token in the action URL (their body is streamed, not parsed here).
  const given = String((req.body as Record<string, unknown>)?._csrf ?? req.get('x-csrf-token') ?? req.query._csrf ?? '');
  const want = seed ? createHmac('sha256', deps(req).config.sessionSecret).update(seed).digest('base64url') : '';
  if (!seed || given.length !== want.length || !timingSafeEqual(Buffer.from(given), Buffer.from(want))) {
    return next(new ForbiddenError({ action: 'csrf' }));
  }
  next();
}
