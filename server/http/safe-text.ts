import type { NextFunction, Request, Response } from 'express';
import { ValidationError } from '../errors.js';

// U+0000 (PostgreSQL text cannot hold it: the driver fails with a 500) and UTF-16 surrogates
// without their pair (not text; they cannot be stored as UTF-8).
const UNSAFE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const isUnsafeText = (s: string): boolean => UNSAFE.test(s);

/** The dotted path of the first string (value or key) holding unsafe text, or undefined. */
export function unsafeTextPath(value: unknown, path: string[] = [], depth = 0): string | undefined {
  if (typeof value === 'string') return isUnsafeText(value) ? path.join('.') || '(value)' : undefined;
  if (!value || typeof value !== 'object' || depth > 32) return undefined;
  for (const [key, v] of Object.entries(value)) {
    if (isUnsafeText(key)) return [...path, key.replace(UNSAFE, '\uFFFD')].join('.');
    const found = unsafeTextPath(v, [...path, key], depth + 1);
    if (found) return found;
  }
  return undefined;
}

export function unsafeTextError(req: Request, location: string, path: string): InstanceType<typeof ValidationError> {
  return new ValidationError({ location }, [{ path, code: 'invalid_characters', message: req.t('errors.invalid_characters') }]);
}

/**
 * Refuses NUL and lone surrogates anywhere in the request's text — JSON or form body, query,
 * path — with a 400 naming the field, on both engines, before any route or database sees them.
 * (Multipart fields are checked in parseUpload; route parameters are decoded from the path, so
 * a `%00` in the path is refused here too.)
 */
export function rejectUnsafeText(req: Request, _res: Response, next: NextFunction): void {
  const rawPath = req.originalUrl.split('?')[0] ?? '';
  if (/%00/.test(rawPath)) return next(unsafeTextError(req, 'params', 'path'));
  const inQuery = unsafeTextPath(req.query);
  if (inQuery) return next(unsafeTextError(req, 'query', `query.${inQuery}`));
  const inBody = unsafeTextPath(req.body);
  if (inBody) return next(unsafeTextError(req, 'body', inBody));
  next();
}
