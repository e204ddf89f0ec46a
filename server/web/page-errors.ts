import type { NextFunction, Request, Response } from 'express';
import { AppError, localisedParams, RouteNotFoundError, type ErrorDetail } from '../errors.js';
import { toAppError } from '../http/error-handler.js';
import { translatedParams } from '../http/error-params.js';
import { renderPage } from './render.js';

/**
 * An error as the user reads it, in the page's language: a conflict's reason is a code with its
 * own locale key (`errors.<reason>`, filled with the error's params); anything else by its code.
 * Reasons still written as prose (older rules) fall back to the generic conflict message plus the prose.
 */
export function errorText(req: Request, e: AppError): string {
  const t = req.t as (key: string, opts?: Record<string, unknown>) => string;
  const params = translatedParams(t, localisedParams(t, e.params));
  if (e.code === 'conflict' && typeof params.reason === 'string') {
    const known = /^[a-z_]+$/.test(params.reason) ? t(`errors.${params.reason}`, { ...params, defaultValue: '' }) : '';
    return known || `${t('errors.conflict')}: ${params.reason}`;
  }
  if (e.code === 'not_found' && params.resource) {
    return t('errors.not_found_resource', { ...params, resource: t(`resources.${String(params.resource)}`, { defaultValue: String(params.resource) }) });
  }
  if (e.code === 'unique_violation' && params.field) {
    // The API names fields in camelCase; a page names them in the user's words (名称, 用户名…).
    const field = String(params.field)
      .split(', ')
      .map((f) => t(`fieldNames.${f}`, { defaultValue: f }))
      .join(t('fieldNames._separator'));
    return t('errors.unique_violation_field', { ...params, field, defaultValue: e.message });
  }
  if (e.code === 'route_not_found') return t('errors.page_not_found');
  return t(`errors.${e.code}`, { ...params, defaultValue: e.message });
}

/** The page the user came from, when it is one of ours (never a link elsewhere). */
function sameSiteBack(req: Request): string | null {
  try {
    const from = new URL(req.get('referer') ?? '');
    return from.host === req.get('host') && from.pathname !== req.path ? `${from.pathname}${from.search}` : null;
  } catch {
    return null;
  }
}

/** Errors on pages are pages too, with a way back (the API keeps its JSON errors). */
export function pageErrors(err: unknown, req: Request, res: Response, next: NextFunction): void {
  if (req.path.startsWith('/api/') || res.headersSent) return next(err);
  const e = toAppError(err);
  if (e.status >= 500) return next(err); // logged and answered by the one error handler
  // A refused field is named in the user's words (a form-less request, e.g. a tampered drop-down).
  // Only its name: messages of route-level checks are not all translated, and a page never shows English prose.
  const t = req.t as (key: string, opts?: Record<string, unknown>) => string;
  const named = e.code === 'validation_failed' ? [...new Set(e.details.map((d) => d.path).filter(Boolean))].slice(0, 10) : [];
  const fields = named.map((p) => t(`fieldNames.${p}`, { defaultValue: p })).join(t('fieldNames._separator'));
  renderPage(req, res, 'error', { title: String(e.status), status: e.status, message: errorText(req, e), fields, back: sameSiteBack(req) }, e.status);
}

/** An unknown address asked for by a browser is a page (404) with a way back; API clients get JSON. */
export function pageNotFound(req: Request, _res: Response, next: NextFunction): void {
  if ((req.method !== 'GET' && req.method !== 'HEAD') || req.path.startsWith('/api/') || req.accepts(['json', 'html']) !== 'html') return next();
  next(new RouteNotFoundError({ method: req.method, path: req.path }));
}

/**
 * One field's error in the user's words: a detail with a `rule` is translated from the locale block
 * `field_errors` (with its params; `what` names a date in words); anything else keeps its message
 * (zod's messages already come in the request's language).
 */
export function detailText(req: Request, d: ErrorDetail): string {
  const t = req.t as (key: string, opts?: Record<string, unknown>) => string;
  if (typeof d.rule !== 'string') return d.message;
  const params = { ...((d.params as Record<string, unknown> | undefined) ?? {}) };
  if (typeof params.what === 'string') params.what = t(`field_errors.what_${params.what}`, { defaultValue: params.what });
  return t(`field_errors.${d.rule}`, { ...params, defaultValue: d.message });
}
