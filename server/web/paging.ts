import type { Request } from 'express';
import type { Page, PageRequest } from '../database/keyset.js';
import { neighbours, pageLink, pageRequest, type KeyKind } from '../http/pagination.js';

/**
 * Pages list with the API's cursors (pagination.ts). A bad cursor in a page's address (an old
 * bookmark) starts again from the first page instead of an error page; `page` is only the number
 * shown ("page 3 of 9"), carried along the links.
 */
export function pageOfPage(req: Request, pageSize: number, kinds: readonly KeyKind[]): { page: PageRequest; number: number } {
  const number = Math.min(Math.max(1, Number(req.query.page) || 1), 1_000_000);
  const cursor = typeof req.query.cursor === 'string' && req.query.cursor ? req.query.cursor : undefined;
  if (!cursor) return { page: { limit: pageSize }, number: 1 };
  try {
    return { page: pageRequest(req, { pageSize, cursor }, kinds), number };
  } catch {
    return { page: { limit: pageSize }, number: 1 };
  }
}

/** Previous and next links of a page, every filter of the address kept. */
export function pageLinks(req: Request, page: Pick<Page<unknown>, 'next' | 'prev'>, number: number): { next: string | null; prev: string | null } {
  const { next, prev } = neighbours(page);
  const at = (cursor: string, n: number) => `${pageLink(req, cursor)}&page=${n}`;
  return { next: next ? at(next, number + 1) : null, prev: prev ? at(prev, Math.max(1, number - 1)) : null };
}
