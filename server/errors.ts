/**
 * One factory for typed errors (like Directus' createError): each error has a stable code,
 * an HTTP status and optional details; the message is translated at the edge by the
 * error handler from `errors.<code>` with `params`.
 */
export interface ErrorDetail {
  path?: string;
  code: string;
  message: string;
  [key: string]: unknown;
}

export class AppError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly params: Record<string, unknown> = {},
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export type ErrorFactory<P extends Record<string, unknown>> = new (
  params?: P,
  details?: ErrorDetail[],
) => AppError;

export function createError<P extends Record<string, unknown> = Record<string, unknown>>(
  code: string,
  status: number,
  message: (params: P) => string,
): ErrorFactory<P> {
  return class extends AppError {
    constructor(params: P = {} as P, details: ErrorDetail[] = []) {
      super(code, status, message(params), params, details);
    }
  };
}

export const ValidationError = createError<{ location?: string }>(
  'validation_failed',
  400,
  () => 'The request is invalid',
);
export const InvalidJsonError = createError('invalid_json', 400, () => 'The request body is not valid JSON');
export const PayloadTooLargeError = createError('payload_too_large', 413, () => 'The request body is too large');
export const UnauthenticatedError = createError('unauthenticated', 401, () => 'Sign-in required');
export const InvalidCredentialsError = createError(
  'invalid_credentials',
  401,
  () => 'Wrong username or password',
);
export const AccountLockedError = createError<{ until: string }>(
  'account_locked',
  423,
  (p) => `Account locked after repeated failed sign-ins until ${p.until}`,
);
export const ForbiddenError = createError<{ action?: string }>(
  'forbidden',
  403,
  () => 'You are not allowed to do this',
);
export const NotFoundError = createError<{ resource?: string; id?: string }>(
  'not_found',
  404,
  (p) => (p.resource ? `${p.resource} not found` : 'Not found'),
);
export const RouteNotFoundError = createError<{ method: string; path: string }>(
  'route_not_found',
  404,
  (p) => `No route ${p.method} ${p.path}`,
);
/** `reason`: a code with a locale key `errors.<reason>`; the other params fill its placeholders. */
export const ConflictError = createError<{ reason?: string; [param: string]: string | number | string[] | undefined }>(
  'conflict',
  409,
  (p) => p.reason ?? 'Conflicts with the current state',
);
export const UniqueViolationError = createError<{ field?: string }>(
  'unique_violation',
  409,
  (p) => (p.field ? `A record with this ${p.field} already exists` : 'A record with these values already exists'),
);
export const ForeignKeyViolationError = createError(
  'foreign_key_violation',
  409,
  () => 'The record refers to, or is referred to by, another record',
);
export const NotNullViolationError = createError<{ field?: string }>(
  'not_null_violation',
  400,
  (p) => `${p.field ?? 'A field'} is required`,
);
export const InternalError = createError('internal', 500, () => 'Internal server error');
export const InvalidTokenError = createError('invalid_token', 401, () => 'The API token is unknown, revoked or expired');
export const SessionExpiredError = createError('session_expired', 401, () => 'The session has expired; sign in again');
export const FileTooLargeError = createError<{ limitMb: number }>('file_too_large', 413, (p) => `The file is larger than ${p.limitMb} MB`);
export const UnsupportedMediaTypeError = createError<{ mediaType?: string }>(
  'unsupported_media_type',
  415,
  (p) => `Files of this type are not accepted as evidence${p.mediaType ? ` (${p.mediaType})` : ''}`,
);
export const EmptyFileError = createError('empty_file', 400, () => 'The file is empty');
export const EvidenceCorruptedError = createError('evidence_corrupted', 500, () => 'The stored file does not match its recorded hash');
export const BrowserUnavailableError = createError<{ hint: string }>(
  'browser_unavailable',
  503,
  (p) => `PDF reports need Chromium, which was not found: install it (${p.hint}) or set CHROMIUM_PATH`,
);

// Record workbook import (reports/workbook).
/** A file written for another protection level than the assessment's (422 naming both). */
export const WorkbookLevelMismatchError = createError<{ fileLevel: number; assessmentLevel: number }>(
  'workbook_level_mismatch',
  422,
  (p) => `The workbook is a level ${p.fileLevel} record workbook; this assessment is level ${p.assessmentLevel}`,
);

/** A file in which no row matches the assessment's catalogue (422, with the first unmatched rows). */
export const WorkbookUnmatchedError = createError<{ rows: number }>(
  'workbook_unmatched',
  422,
  (p) => `No row of the workbook (${p.rows} rows read) matches a requirement of this assessment: check the sheet names (layers, assessed objects), the control points and the requirement texts`,
);
// Identity and sessions (issue 13).
export const TooManyAttemptsError = createError<{ until: string }>(
  'too_many_attempts',
  429,
  (p) => `Too many failed sign-ins from this address; try again after ${p.until}`,
);
export const MfaRequiredError = createError('mfa_required', 401, () => 'Enter the code from your authenticator app (field otp)');
export const InvalidOtpError = createError('invalid_otp', 401, () => 'The authentication code is wrong or was already used');
export const WrongPasswordError = createError('wrong_password', 400, () => 'The current password is wrong');
export const PasswordChangeRequiredError = createError('password_change_required', 403, () => 'Change your password first (POST /api/v1/me/password)');
export const MfaEnrolmentRequiredError = createError('mfa_enrolment_required', 403, () => 'Platform administrators must set up a second factor first (POST /api/v1/me/mfa/totp)');
export const CrossSiteRequestError = createError('cross_site_request', 403, () => 'Cross-site request refused');
export const ReadOnlyTokenError = createError('token_read_only', 403, () => 'This API token is read-only');
// ---- hostile input (issue 13) ----
export const MalformedUrlError = createError<{ path?: string }>('malformed_url', 400, () => 'The address contains malformed percent-encoding');
export const BadRequestError = createError<{ reason?: string }>('bad_request', 400, () => 'The request is malformed');
export const TemplateInvalidError = createError<{ count: number }>(
  'template_invalid',
  422,
  (p) => `The Word template cannot be used: ${p.count} problem(s), each with its placeholder and position in details`,
);

// Verification tests (server/verification).
/** A scanner file dengbao cannot read at all (415, naming the formats it reads). */
/** `foundKey`/`reasonKey` name a translation of `found`/`reason` (errors.scan_found.*, errors.scan_reasons.*; server/http/error-params.ts). */
export const ScanFormatUnknownError = createError<{ expected: string; found: string; foundKey?: string; root?: string }>(
  'scan_format_unknown',
  415,
  (p) => `Not a scanner file dengbao reads (found ${p.found}); expected ${p.expected}`,
);
/** A scanner file of a known kind that is of another version or broken (422, naming what was expected). */
export const ScanFormatInvalidError = createError<{ format: string; reason: string; reasonKey?: string; detail?: string; where?: string; value?: string; columns?: string; column?: string }>(
  'scan_format_invalid',
  422,
  (p) => `The ${p.format} file cannot be imported: ${p.reason}`,
);

/**
 * Params as a translation needs them: a list of lifecycle states (`allowedStates`) becomes `allowed`,
 * the states' names joined in the reader's language (a raw state code is never shown).
 */
export function localisedParams(t: (key: string, opts?: Record<string, unknown>) => string, params: Record<string, unknown>): Record<string, unknown> {
  const p = { ...params };
  if (Array.isArray(p.allowedStates)) {
    p.allowed = p.allowedStates.length ? p.allowedStates.map((s) => t(`enum.lifecycle_${String(s)}`)).join(t('enum.list_separator')) : t('enum.none_allowed');
  }
  return p;
}
