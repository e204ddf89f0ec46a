import type { Request } from 'express';
import { z } from 'zod';
import { ValidationError, type ErrorDetail } from '../errors.js';
import { unsafeTextError, unsafeTextPath } from './safe-text.js';
import { recordSchema } from './route-schemas.js';

const zodLocales = { 'zh-CN': z.locales.zhCN(), en: z.locales.en() };

/** Turns zod issues into error details: one per bad field, with its dotted path. */
export function issuesToDetails(issues: z.core.$ZodIssue[], prefix?: string): ErrorDetail[] {
  return issues.flatMap((issue) => {
    // An unknown key is reported on its own path so the client sees which field to drop.
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    return keys.map((key) => {
      const parts = [...(prefix ? [prefix] : []), ...issue.path.map(String), ...(key ? [key] : [])];
      // A refinement may name its rule (params.rule): pages then say it in the user's words (field_errors.<rule>).
      const rule = issue.code === 'custom' && typeof issue.params?.rule === 'string' ? { rule: issue.params.rule as string, params: issue.params } : {};
      return { path: parts.join('.') || (prefix ?? ''), code: issue.code, message: issue.message, ...rule };
    });
  });
}

/**
 * Validates one part of a request with a zod schema; error messages come in the request's
 * language. Throws a 400 naming every bad field.
 */
export function validate<S extends z.ZodType>(
  req: Request,
  schema: S,
  location: 'body' | 'query' | 'params' = 'body',
): z.output<S> {
  const input = location === 'body' ? (req.body ?? {}) : req[location];
  // Also here, for input that did not come through the app's middleware (route parameters).
  const unsafe = unsafeTextPath(input);
  if (unsafe) throw unsafeTextError(req, location, location === 'body' ? unsafe : `${location}.${unsafe}`);
  recordSchema(req, location, schema);
  return validateValue(req, schema, input, location);
}

/** Validates a value already read (e.g. a multipart field) like `validate`: a 400 in the request's language. */
export function validateValue<S extends z.ZodType>(req: Request, schema: S, input: unknown, location: 'body' | 'query' | 'params' = 'body'): z.output<S> {
  const parsed = schema.safeParse(input, { error: zodLocales[req.lang].localeError });
  if (parsed.success) return parsed.data;
  throw new ValidationError({ location }, issuesToDetails(parsed.error.issues, location === 'body' ? undefined : location));
}

/** Common field schemas. Lengths are limits of the database columns. */
export const fields = {
  id: z.uuid(),
  username: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, . _ - only'),
  displayName: z.string().trim().min(1).max(100),
  // GB/T 22239 8.1.4.1 a): length and character classes are the configurable password policy,
  // checked where a password is set (services/credentials.ts); here only the column's limit.
  password: z.string().min(1).max(200),
};
