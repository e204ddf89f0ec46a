import type { Request } from 'express';
import { z } from 'zod';
import { ValidationError, type ErrorDetail } from '../errors.js';

/**
 * A page form's zod problems in the user's words ("至少 5 个字", "请从列表中选择"), one per field:
 * zod's own localised messages name types ("期望 string >=5 字符"), which a form must not show.
 * Used by the evidence, finding and assessment-item forms, with the API's own schemas.
 */
export function formIssues(req: Request, issues: readonly z.core.$ZodIssue[]): ErrorDetail[] {
  const t = (key: string, params: Record<string, unknown> = {}) => req.t(`form_errors.${key}`, params);
  return issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const i = issue as z.core.$ZodIssue & { minimum?: number | bigint; maximum?: number | bigint; origin?: string; input?: unknown };
    let message: string;
    if (issue.code === 'too_small' && i.origin === 'string') message = Number(i.minimum) <= 1 ? t('required') : t('too_short', { minimum: Number(i.minimum) });
    else if (issue.code === 'too_small' && i.origin === 'array') message = t('required');
    else if (issue.code === 'too_big' && i.origin === 'string') message = t('too_long', { maximum: Number(i.maximum) });
    else if (issue.code === 'too_big') message = t('too_many', { maximum: Number(i.maximum) });
    else if (issue.code === 'invalid_value') message = t('choose');
    else if (issue.code === 'invalid_type' && (i.input === undefined || i.input === null || i.input === '')) message = t('required');
    else if (issue.code === 'invalid_format' || issue.code === 'custom') message = t('format');
    else message = t('invalid');
    return { path, code: issue.code, message };
  });
}

/** Validates a form with a schema; a 400 whose details are in the user's words. */
export function parseForm<S extends z.ZodType>(req: Request, schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ValidationError({}, formIssues(req, parsed.error.issues));
}
