import {
  AppError,
  BadRequestError,
  ForeignKeyViolationError,
  NotNullViolationError,
  UniqueViolationError,
} from '../errors.js';

/**
 * A column list as the API names it (snake_case → camelCase): table names, constraint names and
 * the SQL text never reach the client.
 */
const SCOPE_COLUMNS = new Set(['organization_id', 'system_id', 'assessment_id', 'evidence_id']);

export function apiFieldNames(columns: string | undefined): string | undefined {
  if (!columns) return undefined;
  const names = columns
    .split(',')
    .map((c) => c.trim().replace(/^"|"$/g, '').split('.').pop() ?? '')
    .map((c) => c.replace(/^(lower|upper|coalesce)\((.*)\)$/i, '$2').replace(/::\w+$/, ''))
    .filter((c) => /^[a-z][a-z0-9_]*$/.test(c));
  // In a composite key the parent (organisation, system, …) is the scope, not what the client got wrong.
  const own = names.filter((c) => !SCOPE_COLUMNS.has(c));
  const shown = (own.length ? own : names).map((c) => c.replace(/_([a-z0-9])/g, (_, ch: string) => ch.toUpperCase()));
  return shown.length ? shown.join(', ') : undefined;
}

/**
 * Turns a driver error into a typed AppError (unique → 409, foreign key → 409, not null → 400),
 * or returns undefined when it is not a constraint error.
 */
export function translateDatabaseError(err: unknown): AppError | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as { code?: string; message?: string; constraint?: string; column?: string; detail?: string };
  const message = e.message ?? '';
  // PostgreSQL SQLSTATE codes
  switch (e.code) {
    case '23505': {
      const m = /Key \((.+?)\)=\(/.exec(e.detail ?? '');
      const field = apiFieldNames(m?.[1]);
      return new UniqueViolationError(field ? { field } : {}, field ? [{ path: field, code: 'unique_violation', message: 'already exists' }] : []);
    }
    case '23503':
      return new ForeignKeyViolationError();
    // Data the client sent that PostgreSQL cannot hold (SQLite stores it as is): a 400, never a
    // 500. Validation refuses these first; this is the backstop for a route that forgot.
    case '22P02': // invalid_text_representation, e.g. a malformed uuid in a page URL
    case '22001': // string_data_right_truncation: longer than the column
    case '22003': // numeric_value_out_of_range
    case '22007': // invalid_datetime_format
    case '22008': // datetime_field_overflow
    case '22021': // character_not_in_repertoire (NUL)
    case '22P05': // untranslatable_character
      return new BadRequestError({ reason: 'invalid_value' });
    case '23502':
      return new NotNullViolationError({ field: apiFieldNames(e.column) });
  }
  // better-sqlite3 codes
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const m = /UNIQUE constraint failed: (.+)$/.exec(message);
    const field = apiFieldNames(m?.[1]);
    return new UniqueViolationError(field ? { field } : {}, field ? [{ path: field, code: 'unique_violation', message: 'already exists' }] : []);
  }
  if (e.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return new ForeignKeyViolationError();
  if (e.code === 'SQLITE_CONSTRAINT_NOTNULL') {
    const m = /NOT NULL constraint failed: (.+)$/.exec(message);
    return new NotNullViolationError({ field: apiFieldNames(m?.[1]) });
  }
  return undefined;
}
