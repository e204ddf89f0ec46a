/**
 * Text helpers shared by the workbook export and import: the requirement-text normaliser used to
 * match rows of workbooks made outside dengbao, and Excel's sheet-name rules.
 */

/**
 * Normalises a requirement text, control point or header for comparison: Unicode NFKC (full-width
 * forms become ASCII), then every whitespace, punctuation, symbol and format character (zero-width
 * spaces, BOM) removed, letters lower-cased. "应对登录的用户进行身份标识和鉴别，…" and
 * "应对登录的用户进行身份标识和鉴别, …" normalise alike.
 */
export function normaliseText(s: unknown): string {
  if (s === null || s === undefined) return '';
  return String(s)
    .normalize('NFKC')
    .replace(/[\s\p{P}\p{S}\p{Cf}\p{Cc}]/gu, '')
    .toLowerCase();
}

/** Characters Excel refuses in a sheet name. */
const FORBIDDEN = /[:\\/?*[\]]/g;
export const SHEET_NAME_MAX = 31;

/** Cuts a string to at most `max` UTF-16 units without splitting a surrogate pair. */
function cut(s: string, max: number): string {
  if (s.length <= max) return s;
  let out = s.slice(0, max);
  if (/[\uD800-\uDBFF]$/.test(out)) out = out.slice(0, -1);
  return out;
}

/**
 * A valid Excel sheet name from any text: forbidden characters (: \ / ? * [ ]) and control
 * characters become "_", surrounding whitespace and apostrophes are removed (a name must not
 * begin or end with '), at most 31 characters; an empty result or the reserved name "History"
 * becomes `fallback`.
 */
export function sanitiseSheetName(name: string, fallback = 'Sheet'): string {
  let s = String(name ?? '')
    .replace(/[\p{Cc}\p{Cf}]/gu, ' ')
    .replace(FORBIDDEN, '_')
    .replace(/\s+/g, ' ')
    .trim();
  s = s.replace(/^'+|'+$/g, '').trim();
  s = cut(s, SHEET_NAME_MAX).trim().replace(/'+$/, '');
  if (!s || s.toLowerCase() === 'history') s = cut(fallback, SHEET_NAME_MAX);
  return s;
}

/**
 * Sheet names made unique (Excel compares them case-insensitively): the first holder keeps the
 * name, later ones get " (2)", " (3)"… with the base cut so the whole stays within 31 characters.
 * `taken` is updated.
 */
export function uniqueSheetName(name: string, taken: Set<string>, fallback = 'Sheet'): string {
  const base = sanitiseSheetName(name, fallback);
  const key = (s: string) => s.toLowerCase();
  let candidate = base;
  for (let n = 2; taken.has(key(candidate)); n++) {
    const suffix = ` (${n})`;
    candidate = cut(base, SHEET_NAME_MAX - suffix.length).trimEnd() + suffix;
  }
  taken.add(key(candidate));
  return candidate;
}

/** A record as stored: line breaks unified, empty (or blank) → null. */
export function normaliseRecord(s: string | null | undefined): string | null {
  if (s === null || s === undefined) return null;
  const v = s.replace(/\r\n?/g, '\n');
  return v.trim() === '' ? null : v;
}
