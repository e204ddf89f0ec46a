import type { Request, Response } from 'express';
import { z } from 'zod';
import { arrayPage, type Page, type PageRequest } from '../database/keyset.js';
import { ValidationError } from '../errors.js';
import { validate } from './validate.js';

/**
 * The one pagination convention of every list route (API and pages):
 * - query `pageSize` (default 100, 1–500) and `cursor` (opaque: base64url of the sort key and id
 *   of the row a page starts after, or before for a previous page);
 * - the body is unchanged (its `data` array holds one page);
 * - `X-Total-Count` counts the whole filtered list; `Link: <…>; rel="next"` (and rel="prev")
 *   point at the neighbouring pages, absent when there is none.
 */
export const PAGE_SIZE_DEFAULT = 100;
export const PAGE_SIZE_MAX = 500;

/** Spread into a route's query schema. */
export const pageFields = {
  pageSize: z.coerce.number().int().min(1).max(PAGE_SIZE_MAX).default(PAGE_SIZE_DEFAULT),
  cursor: z.string().min(1).max(4000).optional(),
};
export const pageQuery = z.object(pageFields);
export type PageQuery = { pageSize: number; cursor?: string | undefined };

/** What one element of a sort key must be: a cursor is the client's, so it is checked like input. */
export type KeyKind = 'string' | 'number' | 'uuid' | 'position';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const fits = (kind: KeyKind, v: unknown) =>
  kind === 'string'
    ? typeof v === 'string' && v.length <= 1000
    : kind === 'uuid'
      ? typeof v === 'string' && UUID.test(v)
      : kind === 'position'
        ? Number.isSafeInteger(v) && (v as number) >= 0
        : typeof v === 'number' && Number.isFinite(v);

export const encodeCursor = (direction: 'after' | 'before', key: unknown[]): string => Buffer.from(JSON.stringify([direction === 'after' ? 'a' : 'b', ...key])).toString('base64url');

function badCursor(req: Request): never {
  throw new ValidationError({ location: 'query' }, [{ path: 'query.cursor', code: 'invalid_cursor', message: req.t('errors.invalid_cursor') }]);
}

/** Decodes `cursor` for a list sorted by keys of `kinds`; anything else is 400 naming `cursor`. */
export function pageRequest(req: Request, q: PageQuery, kinds: readonly KeyKind[]): PageRequest {
  if (q.cursor === undefined) return { limit: q.pageSize };
  if (!/^[A-Za-z0-9_-]+$/.test(q.cursor)) badCursor(req);
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(q.cursor, 'base64url').toString('utf8'));
  } catch {
    badCursor(req);
  }
  if (!Array.isArray(decoded) || decoded.length !== kinds.length + 1 || (decoded[0] !== 'a' && decoded[0] !== 'b')) badCursor(req);
  const key = decoded.slice(1);
  if (!kinds.every((k, i) => fits(k, key[i]))) badCursor(req);
  return decoded[0] === 'a' ? { limit: q.pageSize, after: key } : { limit: q.pageSize, before: key };
}

/** The request's own address with another cursor (every other parameter kept). */
export function pageLink(req: Request, cursor: string, base = `${req.baseUrl}${req.path}`): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(req.query)) {
    if (name === 'cursor' || name === 'page') continue;
    for (const v of ([] as unknown[]).concat(value)) if (typeof v === 'string') params.append(name, v);
  }
  params.set('cursor', cursor);
  return `${base}?${params}`;
}

/** Cursors of the neighbouring pages (for pages' previous/next links). */
export function neighbours(page: Pick<Page<unknown>, 'next' | 'prev'>): { next: string | null; prev: string | null } {
  return { next: page.next ? encodeCursor('after', page.next) : null, prev: page.prev ? encodeCursor('before', page.prev) : null };
}

/** Sets the pagination headers of an API answer; the caller sends the body. */
export function setPageHeaders(req: Request, res: Response, page: Pick<Page<unknown>, 'next' | 'prev' | 'total'>): void {
  const { next, prev } = neighbours(page);
  const links = [...(next ? [`<${pageLink(req, next)}>; rel="next"`] : []), ...(prev ? [`<${pageLink(req, prev)}>; rel="prev"`] : [])];
  if (links.length) res.setHeader('Link', links.join(', '));
  res.setHeader('X-Total-Count', String(page.total));
}

/** Sends one page as `{ data: [...] }` with the pagination headers. */
export function sendPage<T>(req: Request, res: Response, page: Page<T>, extra: Record<string, unknown> = {}): void {
  setPageHeaders(req, res, page);
  res.json({ data: page.rows, ...extra });
}

/**
 * A short list the service returns whole (an organisation's tokens, an assessment's scans): paged
 * in memory with the same parameters, headers and body. `q` when the route validated its query
 * with `pageFields` already, else they are read here.
 */
export function sendArray<T>(req: Request, res: Response, items: readonly T[], q?: PageQuery, extra: Record<string, unknown> = {}): void {
  const query = q ?? validate(req, pageQuery, 'query');
  sendPage(req, res, arrayPage(items, pageRequest(req, query, ['position'])), extra);
}
