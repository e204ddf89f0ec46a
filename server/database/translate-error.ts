import {
  AppError,
  ForeignKeyViolationError,
  NotNullViolationError,
  UniqueViolationError,
} from '../errors.js';

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
      const m = /Key \(([^)]+)\)=/.exec(e.detail ?? '');
      return new UniqueViolationError({ field: m?.[1] ?? e.constraint });
    }
    case '23503':
      return new ForeignKeyViolationError();
    case '23502':
      return new NotNullViolationError({ field: e.column });
  }
  // better-sqlite3 codes
  if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    const m = /UNIQUE constraint failed: (.+)$/.exec(message);
    const fields = m?.[1]?.split(',').map((s) => s.trim().split('.').pop()).join(', ');
    return new UniqueViolationError({ field: fields });
  }
  if (e.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return new ForeignKeyViolationError();
  if (e.code === 'SQLITE_CONSTRAINT_NOTNULL') {
    const m = /NOT NULL constraint failed: (.+)$/.exec(message);
    return new NotNullViolationError({ field: m?.[1]?.split('.').pop() });
  }
  return undefined;
}
