import type { Request } from 'express';
import { z } from 'zod';
import { ValidationError, type AppError, type ErrorDetail } from '../errors.js';
import { issuesToDetails } from '../http/validate.js';
import { formIssueText } from './form-issues.js';
import { detailText } from './page-errors.js';
import { failureSummary } from './system-pages.js';

/**
 * A form's fields checked with the API's own zod schema, its messages in the page's language.
 * Empty strings are "not given" unless `emptyIsNull` names the field (a cleared optional text
 * becomes null, as the API's PATCH takes it).
 */
export function parseFormWith<S extends z.ZodType>(req: Request, schema: S, data: Record<string, unknown>, emptyIsNull: readonly string[] = []): z.output<S> {
  const clean = Object.fromEntries(
    Object.entries(data)
      .map(([k, v]) => [k, v === '' && emptyIsNull.includes(k) ? null : v] as const)
      .filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = schema.safeParse(clean);
  if (!parsed.success) {
    // A field left empty is "required" in words, not zod's "expected string, received undefined".
    // In the user's words ("至少 10 个字"), not zod's ("数值过小：期望 string >=10 字符").
    const details = parsed.error.issues.flatMap((issue) => issuesToDetails([issue]).map((d) => ({ ...d, message: formIssueText(req, issue) }))).map((d) => {
      const top = (d.path ?? '').split('.')[0]!;
      return d.code === 'invalid_type' && !(top in clean) ? { ...d, code: 'required', message: req.t('org_admin.required_field') } : d;
    });
    throw new ValidationError({}, details);
  }
  return parsed.data;
}

/** The message above a refused form: the fields are marked where they are; anything else in words. */
export function formSummary(req: Request, err: AppError): string {
  if (err.code === 'validation_failed' && err.details.length && err.details.every((d) => d.path)) return req.t('org_admin.check_fields');
  return failureSummary(req, err);
}

/** The form's text fields; anything that is not a string (a[]=, a[b]=) counts as not given. */
export const textFields = (req: Request): Record<string, string | undefined> =>
  Object.fromEntries(Object.entries((req.body ?? {}) as Record<string, unknown>).map(([k, v]) => [k, typeof v === 'string' ? v : undefined]));

/** Each field's first error in the user's words, keyed by the field's top name. */
export function errorsByField(req: Request, details: readonly ErrorDetail[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of details) if (d.path) out[d.path.split('.')[0]!] ??= detailText(req, d);
  return out;
}
