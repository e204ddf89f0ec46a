import { z } from 'zod';
import { BadRequestError, MalformedUrlError, PayloadTooLargeError, ValidationError, type AppError } from '../errors.js';
import { issuesToDetails } from './validate.js';

/**
 * Errors caused by what the client sent, thrown by express, its parsers or a schema's parse()
 * before our own validation could name them: each becomes a 4xx, never a 500.
 */
export function clientInputError(err: unknown): AppError | undefined {
  if (!err || typeof err !== 'object') return undefined;
  // Express' router decodes path parameters with decodeURIComponent: `%E0%A4%A` throws.
  if (err instanceof URIError) return new MalformedUrlError();
  // A page or service calling schema.parse() directly (not through validate()).
  if (err instanceof z.ZodError) return new ValidationError({}, issuesToDetails(err.issues));
  // body-parser / http-errors: client errors carry `expose` and a 4xx status.
  const e = err as { status?: unknown; statusCode?: unknown; expose?: unknown; type?: unknown };
  const status = Number(e.status ?? e.statusCode);
  if (e.expose === true && status >= 400 && status < 500) {
    if (status === 413) return new PayloadTooLargeError();
    return new BadRequestError({ reason: typeof e.type === 'string' ? e.type : undefined });
  }
  return undefined;
}
