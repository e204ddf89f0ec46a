import type { Deadline } from './index.js';

/** What a caller may narrow the deadlines to (API query and dashboard). */
export interface DeadlineFilter {
  type?: string;
  systemId?: string;
  organizationId?: string;
  /** Due on or before this date (YYYY-MM-DD), overdue ones included. */
  dueBefore?: string;
}

export function filterDeadlines(all: Deadline[], f: DeadlineFilter): Deadline[] {
  return all.filter(
    (d) => (!f.type || d.type === f.type) && (!f.systemId || d.systemId === f.systemId) && (!f.organizationId || d.organizationId === f.organizationId) && (!f.dueBefore || d.dueDate <= f.dueBefore),
  );
}

/**
 * The list convention of the API (array kept in `data`, `pageSize` and an opaque `cursor`): the
 * cursor is the sort key (due date, type, subject id) of the last item of the previous page, so a
 * page stays right when deadlines appear or disappear between two requests.
 */
export function encodeCursor(d: Deadline): string {
  return Buffer.from(JSON.stringify([d.dueDate, d.type, d.subject.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): [string, string, string] | undefined {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'string') ? (v as [string, string, string]) : undefined;
  } catch {
    return undefined;
  }
}

/** The page after `cursor` in the deadlines' order (listDeadlines sorts by due date, type, subject id). */
export function pageAfter(sorted: Deadline[], cursor: [string, string, string] | undefined, pageSize: number): { page: Deadline[]; next?: Deadline } {
  const key = (d: Deadline) => [d.dueDate, d.type, d.subject.id] as const;
  const after = (d: Deadline) => {
    if (!cursor) return true;
    const k = key(d);
    for (let i = 0; i < 3; i++) if (k[i] !== cursor[i]) return k[i]! > cursor[i]!;
    return false;
  };
  const start = sorted.findIndex(after);
  const page = start < 0 ? [] : sorted.slice(start, start + pageSize);
  const more = start >= 0 && start + pageSize < sorted.length;
  return { page, next: more ? page.at(-1) : undefined };
}
