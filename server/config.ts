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
  CHROMIUM_PATH: z.string().min(1).default('/usr/bin/chromium'),
  CATALOGUE_DIR: z.string().min(1).optional(),
  MAX_UPLOAD_MB: intIn(1, 10_240).default(100),
  DEMO: z.enum(['0', '1']).default('1'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  PG_POOL_MAX: intIn(1, 1000).default(10),
  ALLOW_COMBINED_ADMIN_ROLES: z.enum(['0', '1']).default('0'),
});

export type DatabaseEngine = 'sqlite' | 'postgres';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  database: { engine: DatabaseEngine; url: string; filename?: string; poolMax: number };
  sessionSecret: string;
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  loginMaxFailures: number;
  loginLockMinutes: number;
  logLevel: (typeof LOG_LEVELS)[number];
  chromiumPath: string;
  /** Directory of the control catalogue; undefined = the shipped controls/. */
  catalogueDir?: string;
  demo: boolean;
  /** Largest evidence file accepted, in MB. */
  maxUploadMb: number;
  env: 'development' | 'production' | 'test';
  /** 三权分立: whether one account may hold several platform roles (small installations). */
  allowCombinedAdminRoles: boolean;
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
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    database,
    sessionSecret: e.SESSION_SECRET,
    sessionIdleMinutes: e.SESSION_IDLE_MINUTES,
    sessionMaxHours: e.SESSION_MAX_HOURS,
    loginMaxFailures: e.LOGIN_MAX_FAILURES,
    loginLockMinutes: e.LOGIN_LOCK_MINUTES,
    logLevel: e.LOG_LEVEL,
    chromiumPath: e.CHROMIUM_PATH,
    catalogueDir: e.CATALOGUE_DIR ? path.resolve(e.CATALOGUE_DIR) : undefined,
    demo: e.DEMO === '1',
    maxUploadMb: e.MAX_UPLOAD_MB,
    env: e.NODE_ENV,
    allowCombinedAdminRoles: e.ALLOW_COMBINED_ADMIN_ROLES === '1',
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
