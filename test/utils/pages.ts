import type { Agent } from './app.js';

/** The address of the next page from a `Link` header (server/http/pagination.ts), if any. */
export function nextLink(link: string | undefined): string | undefined {
  return link?.match(/<([^>]+)>;\s*rel="next"/)?.[1];
}

/** Every row of a paginated list: follows `Link: rel="next"` from `url` to the last page. */
export async function allPages<T = any>(agent: Agent, url: string): Promise<T[]> {
  const rows: T[] = [];
  for (let next: string | undefined = url; next; ) {
    const res = await agent.get(next).expect(200);
    rows.push(...(res.body.data as T[]));
    next = nextLink(res.headers.link);
  }
  return rows;
}
