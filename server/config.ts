import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** Raised when an environment variable is malformed; the message names the variable. */
export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`Invalid configuration: ${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const intIn = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

// Each variable: its schema and default, kept together so README's table can be checked against it.
const envSchema = z.object({
  PORT: intIn(0, 65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^(postgres|postgresql|sqlite):/, 'must start with postgres://, postgresql:// or sqlite:')
    .optional(),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SESSION_IDLE_MINUTES: intIn(1, 24 * 60).default(30),
  SESSION_MAX_HOURS: intIn(1, 24 * 30).default(12),
  LOGIN_MAX_FAILURES: intIn(1, 100).default(5),
  LOGIN_LOCK_MINUTES: intIn(1, 24 * 60).default(15),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  CHROMIUM_PATH: z.string().min(1).optional(),
  BROWSER_CACHE_DIR: z.string().min(1).optional(),
  BROWSER_DOWNLOAD: z.enum(['0', '1']).default('1'),
  CATALOGUE_DIR: z.string().min(1).optional(),
  MAX_UPLOAD_MB: intIn(1, 10_240).default(100),
  DEMO: z.enum(['0', '1']).default('1'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  PG_POOL_MAX: intIn(1, 1000).default(10),
  // Identity and sessions (GB/T 22239 8.1.4.1).
  LOGIN_ACCOUNT_MAX_FAILURES: intIn(1, 1000).default(20),
  LOGIN_IP_MAX_FAILURES: intIn(1, 100_000).default(50),
  PASSWORD_MIN_LENGTH: intIn(8, 200).default(10),
  PASSWORD_MIN_CLASSES: intIn(1, 4).default(3),
  PASSWORD_HISTORY: intIn(0, 24).default(5),
  PASSWORD_MAX_AGE_DAYS: intIn(0, 3650).default(180),
  API_TOKEN_DEFAULT_DAYS: intIn(1, 3650).default(90),
  API_TOKEN_MAX_DAYS: intIn(1, 3650).default(366),
  REQUIRE_MFA_ADMIN: z.enum(['0', '1']).optional(),
  MFA_ENCRYPTION_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  ALLOW_COMBINED_ADMIN_ROLES: z.enum(['0', '1']).default('0'),
  // Object storage for evidence and report files (README: Running for a team → Object storage).
  EVIDENCE_STORE: z
    .string()
    .regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'must be s3://bucket or s3://bucket/prefix (bucket names: lower-case letters, digits, dots and hyphens)')
    .optional(),
  S3_ENDPOINT: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).optional(),
  S3_REGION: z.string().min(1).default('us-east-1'),
  S3_FORCE_PATH_STYLE: z.enum(['0', '1']).default('0'),
  // Background jobs (reports): whether this process runs them, how many at once, how long one may take.
  JOBS: z.enum(['on', 'off']).default('on'),
  JOB_CONCURRENCY: intIn(1, 64).default(1),
  JOB_TIMEOUT_SECONDS: intIn(10, 24 * 3600).default(1800),
  JOB_WAIT_SECONDS: intIn(0, 3600).default(120),
});

export type DatabaseEngine = 'sqlite' | 'postgres';

/** Where stored files (evidence, archived reports, workbook uploads) live. */
export type EvidenceStoreConfig =
  | { kind: 'fs'; dir: string }
  | { kind: 's3'; bucket: string; prefix: string; endpoint?: string; region: string; forcePathStyle: boolean };

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  database: { engine: DatabaseEngine; url: string; filename?: string; poolMax: number };
  /** EVIDENCE_STORE: unset = DATA_DIR/evidence; s3://bucket/prefix = an S3-compatible bucket. */
  evidenceStore: EvidenceStoreConfig;
  sessionSecret: string;
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  loginMaxFailures: number;
  loginLockMinutes: number;
  logLevel: (typeof LOG_LEVELS)[number];
  /** CHROMIUM_PATH; unset = resolved (reports/pdf/browser.ts). */
  chromiumPath: string | undefined;
  /** Where a downloaded browser is kept; undefined = the user's cache directory. */
  browserCacheDir: string | undefined;
  /** Download chrome-headless-shell at first use when no browser is found. */
  browserDownload: boolean;
  /** Directory of the control catalogue; undefined = the shipped controls/. */
  catalogueDir?: string;
  demo: boolean;
  /** Largest evidence file accepted, in MB. */
  maxUploadMb: number;
  env: 'development' | 'production' | 'test';
  identity: IdentityConfig;
  /** 三权分立: whether one account may hold several platform roles (small installations). */
  allowCombinedAdminRoles: boolean;
  jobs: JobsConfig;
}

/** Background jobs (server/jobs). */
export interface JobsConfig {
  /** JOBS=on: this web process also runs jobs; off: it only queues them (workers run them). */
  run: boolean;
  /** Jobs run at once per process (PostgreSQL; on SQLite reports run one at a time on their thread). */
  concurrency: number;
  /** A job running longer counts as failed (its worker is presumed dead) and is retried. */
  timeoutSeconds: number;
  /**
   * How long the download routes that predate the queue (GET …/evidence-pack.zip, …/workbook.xlsx,
   * POST …/workbook) wait for their job before answering 202 with its Location instead.
   */
  waitSeconds: number;
}

/** Sign-in throttling, password policy, API tokens and second factor (README: Identity and sessions). */
export interface IdentityConfig {
  /** Failures from one (username, IP) pair that lock the pair: LOGIN_MAX_FAILURES. */
  pairMaxFailures: number;
  /** Failures from any address that lock the whole account. */
  accountMaxFailures: number;
  /** Failures from one IP address, any username, within the lock window, before it gets 429. */
  ipMaxFailures: number;
  passwordMinLength: number;
  passwordMinClasses: number;
  /** How many previous passwords may not be reused. */
  passwordHistory: number;
  /** A password older than this must be changed at the next request (0 = never). */
  passwordMaxAgeDays: number;
  tokenDefaultDays: number;
  tokenMaxDays: number;
  /** Platform administrators must enrol a second factor before anything else. */
  requireMfaAdmin: boolean;
  /** Key material for the stored TOTP secrets; undefined = derived from SESSION_SECRET. */
  mfaEncryptionKey?: string;
}

/** Parses the environment. Throws ConfigError naming the first bad variable. No side effects. */
export function parseConfig(env: NodeJS.ProcessEnv): Omit<Config, 'sessionSecret'> & { sessionSecret?: string } {
  // Empty strings count as unset so `PORT= npm start` behaves like no PORT.
  const raw = Object.fromEntries(
    Object.keys(envSchema.shape).map((k) => [k, env[k] === '' ? undefined : env[k]]),
  );
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0] ?? 'environment'), issue.message);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  let database: Config['database'];
  if (!e.DATABASE_URL) {
    const filename = path.join(dataDir, 'dengbao.sqlite');
    database = { engine: 'sqlite', url: `sqlite:${filename}`, filename, poolMax: 1 };
  } else if (e.DATABASE_URL.startsWith('sqlite:')) {
    const file = e.DATABASE_URL.replace(/^sqlite:(\/\/)?/, '');
    if (!file) throw new ConfigError('DATABASE_URL', 'sqlite: URL needs a file path');
    const filename = file === ':memory:' ? file : path.resolve(file);
    database = { engine: 'sqlite', url: e.DATABASE_URL, filename, poolMax: 1 };
  } else {
    try {
      new URL(e.DATABASE_URL);
    } catch {
      throw new ConfigError('DATABASE_URL', 'is not a valid URL');
    }
    database = { engine: 'postgres', url: e.DATABASE_URL, poolMax: e.PG_POOL_MAX };
  }
  let evidenceStore: EvidenceStoreConfig = { kind: 'fs', dir: path.join(dataDir, 'evidence') };
  if (e.EVIDENCE_STORE) {
    const [, bucket, prefix = ''] = /^s3:\/\/([^/]+)\/?(.*)$/.exec(e.EVIDENCE_STORE)!;
    const clean = prefix.replace(/\/+$/, '');
    if (clean && clean.split('/').some((part) => part === '' || part === '.' || part === '..')) throw new ConfigError('EVIDENCE_STORE', 'the prefix has an empty, . or .. segment');
    evidenceStore = { kind: 's3', bucket: bucket!, prefix: clean, endpoint: e.S3_ENDPOINT, region: e.S3_REGION, forcePathStyle: e.S3_FORCE_PATH_STYLE === '1' };
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    database,
    evidenceStore,
    sessionSecret: e.SESSION_SECRET,
    sessionIdleMinutes: e.SESSION_IDLE_MINUTES,
    sessionMaxHours: e.SESSION_MAX_HOURS,
    loginMaxFailures: e.LOGIN_MAX_FAILURES,
    loginLockMinutes: e.LOGIN_LOCK_MINUTES,
    logLevel: e.LOG_LEVEL,
    chromiumPath: e.CHROMIUM_PATH,
    browserCacheDir: e.BROWSER_CACHE_DIR ? path.resolve(e.BROWSER_CACHE_DIR) : undefined,
    browserDownload: e.BROWSER_DOWNLOAD === '1',
    catalogueDir: e.CATALOGUE_DIR ? path.resolve(e.CATALOGUE_DIR) : undefined,
    demo: e.DEMO === '1',
    maxUploadMb: e.MAX_UPLOAD_MB,
    env: e.NODE_ENV,
    identity: {
      pairMaxFailures: e.LOGIN_MAX_FAILURES,
      accountMaxFailures: Math.max(e.LOGIN_ACCOUNT_MAX_FAILURES, e.LOGIN_MAX_FAILURES),
      ipMaxFailures: e.LOGIN_IP_MAX_FAILURES,
      passwordMinLength: e.PASSWORD_MIN_LENGTH,
      passwordMinClasses: e.PASSWORD_MIN_CLASSES,
      passwordHistory: e.PASSWORD_HISTORY,
      passwordMaxAgeDays: e.PASSWORD_MAX_AGE_DAYS,
      tokenDefaultDays: Math.min(e.API_TOKEN_DEFAULT_DAYS, e.API_TOKEN_MAX_DAYS),
      tokenMaxDays: e.API_TOKEN_MAX_DAYS,
      // Default: required outside demo mode, where the demo admin would otherwise lock itself out.
      requireMfaAdmin: e.REQUIRE_MFA_ADMIN ? e.REQUIRE_MFA_ADMIN === '1' : e.DEMO === '0',
      mfaEncryptionKey: e.MFA_ENCRYPTION_KEY,
    },
    allowCombinedAdminRoles: e.ALLOW_COMBINED_ADMIN_ROLES === '1',
    jobs: { run: e.JOBS === 'on', concurrency: e.JOB_CONCURRENCY, timeoutSeconds: e.JOB_TIMEOUT_SECONDS, waitSeconds: e.JOB_WAIT_SECONDS },
  };
}

/**
 * Parses the environment, creates DATA_DIR, and fills in SESSION_SECRET from
 * DATA_DIR/session-secret (generated once) when it is not given, so sessions survive restarts.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const partial = parseConfig(env);
  try {
    mkdirSync(partial.dataDir, { recursive: true });
  } catch (err) {
    throw new ConfigError('DATA_DIR', `cannot create ${partial.dataDir}: ${(err as Error).message}`);
  }
  let sessionSecret = partial.sessionSecret;
  if (!sessionSecret) {
    const file = path.join(partial.dataDir, 'session-secret');
    if (existsSync(file)) {
      sessionSecret = readFileSync(file, 'utf8').trim();
    } else {
      sessionSecret = randomBytes(48).toString('base64url');
      writeFileSync(file, sessionSecret + '\n', { mode: 0o600 });
    }
  }
  return { ...partial, sessionSecret };
}

/** The variables and defaults, for README and `dengbao config`. */
export const CONFIG_VARIABLES = Object.keys(envSchema.shape);
