import type { NextFunction, Request, Response } from 'express';
import { translateDatabaseError } from '../database/translate-error.js';
import {
  AppError,
  InternalError,
  localisedParams,
  InvalidJsonError,
  PayloadTooLargeError,
  RouteNotFoundError,
  ValidationError,
} from '../errors.js';
import { translator } from '../i18n.js';
import { clientInputError } from './client-errors.js';
import { translatedParams } from './error-params.js';

/** Unknown routes: 404 in the same error shape. */
export function notFound(req: Request, _res: Response, next: NextFunction): void {
  next(new RouteNotFoundError({ method: req.method, path: req.path }));
}

/** Maps anything thrown to a typed AppError. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const type = (err as { type?: string })?.type;
  if (type === 'entity.parse.failed') return new InvalidJsonError();
  if (type === 'entity.too.large') return new PayloadTooLargeError();
  return clientInputError(err) ?? translateDatabaseError(err) ?? new InternalError();
}

/**
 * The one error handler. Body: { error: { code, message, details } }, message in the request's
 * language. Stack traces only when NODE_ENV=development.
 */
export function errorHandler(err: unknown, req: Request, res: Response, _next: NextFunction): void {
  const appError = toAppError(err);
  if (res.headersSent) {
    // A failure after the response started (e.g. a download stream that broke): nothing can be
    // sent any more; end the connection so the client sees an incomplete response.
    (req as { log?: { warn: (o: object, m: string) => void } }).log?.warn({ err: { message: (err as Error)?.message, code: appError.code } }, 'error after response started');
    res.destroy();
    return;
  }
  const t = req.t ?? translator('zh-CN');
  const log = (req as { log?: { error: (o: object, m: string) => void } }).log;
  if (appError.status >= 500) log?.error({ err }, 'request failed');

  const params = translatedParams(t as never, localisedParams(t as (k: string, o?: Record<string, unknown>) => string, appError.params));
  let key = `errors.${appError.code}`;
  if (appError.code === 'not_found' && params.resource) {
    key = 'errors.not_found_resource';
    params.resource = t(`resources.${String(params.resource)}`, { defaultValue: String(params.resource) });
  }
  if (appError.code === 'unique_violation' && params.field) key = 'errors.unique_violation_field';
  let message: string;
  if (appError.code === 'conflict' && typeof params.reason === 'string') {
    // A reason is either a translation key (e.g. last_officer) or a sentence naming the state.
    const known = /^[a-z_]+$/.test(params.reason) ? (t(`errors.${params.reason}`, { ...params, defaultValue: '' }) as string) : '';
    message = known || `${t('errors.conflict')}: ${params.reason}`;
  } else {
    message = t(key, { ...params, defaultValue: appError.message }) as string;
  }
  if (appError.code === 'validation_failed' && appError.details.length) {
    message += `: ${[...new Set(appError.details.map((d) => d.path).filter(Boolean))].join(', ')}`;
  }
  const body: Record<string, unknown> = { code: appError.code, message, details: appError.details };
  if (appError.code === 'conflict' && params.reason) body.reason = params.reason;
  if (process.env.NODE_ENV === 'development' && appError.status >= 500 && err instanceof Error) body.stack = err.stack;
  res.status(appError.status).json({ error: body });
}
