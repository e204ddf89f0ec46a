import type { Request } from 'express';
import { z } from 'zod';
import { ValidationError, type ErrorDetail } from '../errors.js';

/**
 * A page form's zod problems in the user's words ("至少 5 个字", "请从列表中选择"), one per field:
 * zod's own localised messages name types ("期望 string >=5 字符"), which a form must not show.
 * Used by the evidence, finding and assessment-item forms, with the API's own schemas.
 */
export function formIssues(req: Request, issues: readonly z.core.$ZodIssue[]): ErrorDetail[] {
  return issues.map((issue) => ({ path: issue.path.map(String).join('.'), code: issue.code, message: formIssueText(req, issue) }));
}

/** One zod problem in the user's words (see formIssues). */
export function formIssueText(req: Request, issue: z.core.$ZodIssue): string {
  const t = (key: string, params: Record<string, unknown> = {}) => req.t(`form_errors.${key}`, params);
  const i = issue as z.core.$ZodIssue & { minimum?: number | bigint; maximum?: number | bigint; origin?: string; input?: unknown };
  if (issue.code === 'too_small' && i.origin === 'string') return Number(i.minimum) <= 1 ? t('required') : t('too_short', { minimum: Number(i.minimum) });
  if (issue.code === 'too_small' && i.origin === 'array') return t('required');
  if (issue.code === 'too_big' && i.origin === 'string') return t('too_long', { maximum: Number(i.maximum) });
  if (issue.code === 'too_big') return t('too_many', { maximum: Number(i.maximum) });
  if (issue.code === 'invalid_value') return t('choose');
  if (issue.code === 'invalid_type' && (i.input === undefined || i.input === null || i.input === '')) return t('required');
  // A named format says what is expected (an email address, a date); a pattern only that it is not met.
  if (issue.code === 'invalid_format') return t(`format_${(issue as { format?: string }).format}`, { defaultValue: t('format') });
  if (issue.code === 'custom') return t('format');
  return t('invalid');
}

/** Validates a form with a schema; a 400 whose details are in the user's words. */
export function parseForm<S extends z.ZodType>(req: Request, schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ValidationError({}, formIssues(req, parsed.error.issues));
}
