/**
 * Where a page may send the browser back to (`?back=`): only a path on this server. Refused,
 * at every level of percent-decoding: anything not starting with exactly one `/` (`//evil`,
 * `https://evil`), a backslash (`/\evil`: browsers read it as `//`), control characters (tab and
 * newline are dropped by browsers, so `/<TAB>/evil` becomes `//evil`), and anything the URL parser
 * resolves to another origin.
 */
export function safeBack(back: unknown, fallback = '/'): string {
  if (typeof back !== 'string' || back.length > 2000) return fallback;
  let current = back;
  for (let depth = 0; depth < 4; depth++) {
    if (!samePath(current)) return fallback;
    let decoded: string;
    try {
      decoded = decodeURIComponent(current);
    } catch {
      return fallback;
    }
    if (decoded === current) return back;
    current = decoded;
  }
  return fallback; // encoded more deeply than any link of ours
}

const BASE = 'http://dengbao.invalid';

function samePath(s: string): boolean {
  if (!s.startsWith('/') || s.startsWith('//')) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(s)) return false;
  try {
    return new URL(s, BASE).origin === BASE;
  } catch {
    return false;
  }
}

/** `?back=…` for a form action that must return to the same place (empty when there is none). */
export function backQuery(req: { query: Record<string, unknown> }): string {
  const back = safeBack(req.query.back, '');
  return back ? `?back=${encodeURIComponent(back)}` : '';
}
