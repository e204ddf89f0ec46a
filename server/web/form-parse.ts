import type { Request } from 'express';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { issuesToDetails } from '../http/validate.js';
import { formIssueText } from './form-issues.js';

// Reading a page's form: text fields, rows of repeated fields (`contacts[0][name]`) and a check with
// the API's own zod schema, its refusals in the page's words.

/**
 * A form's fields (empty strings are "not given"), checked with a zod schema in the page's language.
 * `formats` names the rule (locale block field_errors) of a field whose pattern failed, so the page
 * says it in words instead of quoting the pattern.
 */
export function parseForm<S extends z.ZodType>(req: Request, schema: S, data: Record<string, unknown>, formats: Record<string, string> = {}): z.output<S> {
  const clean = Object.fromEntries(Object.entries(data).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(clean);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => {
      // In the user's words ("至少 10 个字"), not zod's ("数值过小：期望 string >=10 字符").
      const d = { ...issuesToDetails([issue])[0]!, message: formIssueText(req, issue) };
      // A field left blank is "required", in words (zod would say "expected string, received undefined").
      if (issue.code === 'invalid_type' && valueAt(clean, issue.path) === undefined) return { ...d, rule: 'required' };
      if (issue.code === 'invalid_type' && issue.expected === 'number') return { ...d, rule: 'number' };
      const rule = d.code === 'invalid_format' ? formats[String(d.path).split('.').pop()!] : undefined;
      return rule ? { ...d, rule } : d;
    });
    throw new ValidationError({}, details);
  }
  return parsed.data;
}

const valueAt = (data: unknown, path: readonly PropertyKey[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), data);

/** The form's text fields; anything that is not a string (a[]=, a[b]=) counts as not given, never crashes a .trim(). */
export const formBody = (req: Request): Record<string, string | undefined> =>
  Object.fromEntries(Object.entries((req.body ?? {}) as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : undefined]));

/**
 * Rows typed as `prefix[i][field]` (the body parser keeps the names flat), in row order; a row left
 * blank is dropped, so a page can offer a few empty rows to add to without JavaScript. At most `max`
 * rows are read (the schema refuses more anyway).
 */
export function formRows<F extends string>(b: Record<string, string | undefined>, prefix: string, fields: readonly F[], max = 2000): Array<Record<F, string>> {
  const indexes = new Set<number>();
  const re = new RegExp(`^${prefix}\\[(\\d{1,4})\\]\\[([A-Za-z]+)\\]$`);
  for (const k of Object.keys(b)) {
    const m = re.exec(k);
    if (m && fields.includes(m[2] as F)) indexes.add(Number(m[1]));
  }
  return [...indexes]
    .sort((x, y) => x - y)
    .slice(0, max + 1)
    .map((i) => Object.fromEntries(fields.map((f) => [f, (b[`${prefix}[${i}][${f}]`] ?? '').trim()])) as Record<F, string>)
    .filter((r) => fields.some((f) => r[f] !== ''));
}

/** A row's fields with blanks left out (a blank optional field is "not given", as in the API). */
export const given = <T extends Record<string, string>>(row: T): Partial<T> => Object.fromEntries(Object.entries(row).filter(([, v]) => v !== '')) as Partial<T>;

/** Lines of a textarea, trimmed, blanks dropped. */
export const lines = (v: string | undefined): string[] => (v ?? '').split(/\r?\n/).map((x) => x.trim()).filter(Boolean);
