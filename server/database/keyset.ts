import type { Knex } from 'knex';

/** One column of a list's sort; the last key must be unique (the id) so the order is total. */
export interface SortKey {
  column: string;
  desc?: boolean;
}

/**
 * A page to read: at most `limit` rows strictly after (or before) the sort key of a row the
 * client last saw. Services take this, never an HTTP request.
 */
export interface PageRequest {
  limit: number;
  after?: unknown[];
  before?: unknown[];
}

/** One page and where the neighbouring pages start (null: none). */
export interface Page<T> {
  rows: T[];
  total: number;
  next: unknown[] | null;
  prev: unknown[] | null;
}

/** The first page of `limit` rows, for callers that want every row of a short list. */
export const ALL: PageRequest = { limit: Number.MAX_SAFE_INTEGER };

/** `row > values` (or `<` with `backwards`) in the order of `keys`, mixed directions allowed. */
function beyond(q: Knex.QueryBuilder, keys: readonly SortKey[], values: unknown[], backwards: boolean): void {
  const op = (k: SortKey) => ((k.desc ? !backwards : backwards) ? '<' : '>');
  if (keys.every((k) => !!k.desc === !!keys[0]!.desc)) {
    // Uniform direction: one row-value comparison, which both engines answer from a composite index.
    const cols = keys.map(() => '??').join(', ');
    const vals = keys.map(() => '?').join(', ');
    q.whereRaw(`(${cols}) ${op(keys[0]!)} (${vals})`, [...keys.map((k) => k.column), ...values] as Knex.RawBinding[]);
    return;
  }
  q.where((w) => {
    keys.forEach((k, i) =>
      w.orWhere((a) => {
        for (let j = 0; j < i; j++) a.where(keys[j]!.column, values[j] as Knex.Value);
        a.where(k.column, op(k), values[i] as Knex.Value);
      }),
    );
  });
}

/**
 * Keyset pagination: the count and one page, two statements whatever the size of the list. `q`
 * holds the filters (and the select); `keyOf` reads a row's sort key in the order of `keys`.
 */
export async function keysetPage<R>(q: Knex.QueryBuilder, keys: readonly SortKey[], page: PageRequest, keyOf: (row: R) => unknown[]): Promise<Page<R>> {
  const counted = await q.clone().clearSelect().clearOrder().count({ n: '*' }).first();
  const total = Number((counted as { n?: unknown } | undefined)?.n ?? 0);
  const backwards = !!page.before && !page.after;
  const from = backwards ? page.before : page.after;
  const sel = q.clone().clearOrder();
  if (from) beyond(sel, keys, from, backwards);
  for (const k of keys) sel.orderBy(k.column, (k.desc ? !backwards : backwards) ? 'desc' : 'asc');
  const fetched = (await (page.limit < Number.MAX_SAFE_INTEGER ? sel.limit(page.limit + 1) : sel)) as R[];
  const more = fetched.length > page.limit;
  const rows = more ? fetched.slice(0, page.limit) : fetched;
  if (backwards) rows.reverse();
  const first = rows[0];
  const last = rows[rows.length - 1];
  if (backwards) return { rows, total, next: last ? keyOf(last) : null, prev: more && first ? keyOf(first) : null };
  return { rows, total, next: more && last ? keyOf(last) : null, prev: from && first ? keyOf(first) : null };
}

/** The same contract over a list already in memory (short lists): the key is the row's position. */
export function arrayPage<T>(items: readonly T[], page: PageRequest): Page<T> {
  const start = page.after ? Number(page.after[0]) + 1 : page.before ? Math.max(0, Number(page.before[0]) - page.limit) : 0;
  const end = page.before && !page.after ? Number(page.before[0]) : start + page.limit;
  const rows = items.slice(start, Math.min(end, items.length));
  return {
    rows,
    total: items.length,
    next: start + rows.length < items.length && rows.length ? [start + rows.length - 1] : null,
    prev: start > 0 && rows.length ? [start] : null,
  };
}

/** Escapes a user's text for `like ? escape '\'` (a search for "50%" finds "50%", not everything). */
export const likePattern = (text: string): string => `%${text.toLowerCase().replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
