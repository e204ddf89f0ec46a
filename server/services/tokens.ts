import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Caller } from '../context.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { newId, now } from '../util.js';
import { sha256 } from './auth.js';

export interface ApiTokenView {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  scope: TokenScope;
}

/** read_only: GET/HEAD only (403 on anything else); read_write: everything its user may do. */
export const TOKEN_SCOPES = ['read_only', 'read_write'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export interface TokenLimits {
  /** Lifetime of a token created without `expiresInDays`. */
  defaultDays: number;
  /** Longest lifetime accepted. */
  maxDays: number;
}

const view = (r: Record<string, any>): ApiTokenView => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  createdAt: r.created_at,
  expiresAt: r.expires_at ?? null,
  lastUsedAt: r.last_used_at ?? null,
  revokedAt: r.revoked_at ?? null,
  scope: r.scope === 'read_only' ? 'read_only' : 'read_write',
});

/** API tokens for scripts. A token acts as its user; it is shown once and stored as a SHA-256. */
export class TokensService {
  constructor(
    private readonly knex: Knex,
    private readonly caller: Caller,
    private readonly limits: TokenLimits = { defaultDays: 90, maxDays: 366 },
  ) {}

  /** Every token ends: `expiresInDays` (default `defaultDays`, at most `maxDays`). */
  async create(input: { name: string; expiresInDays?: number; scope?: TokenScope }): Promise<ApiTokenView & { token: string }> {
    const days = input.expiresInDays ?? this.limits.defaultDays;
    if (days > this.limits.maxDays) {
      throw new ValidationError({ location: 'body' }, [{ path: 'expiresInDays', code: 'too_big', message: `must be at most ${this.limits.maxDays} days`, maximum: this.limits.maxDays }]);
    }
    const token = `dbt_${randomBytes(32).toString('base64url')}`;
    const at = now();
    const row = {
      id: newId(),
      user_id: this.caller.userId,
      name: input.name,
      token_hash: sha256(token),
      prefix: token.slice(0, 12),
      created_at: at,
      expires_at: new Date(Date.parse(at) + days * 86_400_000).toISOString(),
      scope: input.scope ?? 'read_write',
    };
    await this.knex('api_tokens').insert(row);
    return { ...view(row), token };
  }

  async list(): Promise<ApiTokenView[]> {
    const rows = await this.knex('api_tokens').where({ user_id: this.caller.userId }).orderBy('created_at');
    return rows.map(view);
  }

  /** Revokes one of the caller's own tokens (someone else's token is 404). Kept for the record. */
  async revoke(id: string): Promise<void> {
    const n = await this.knex('api_tokens')
      .where({ id, user_id: this.caller.userId })
      .whereNull('revoked_at')
      .update({ revoked_at: now() });
    if (!n) throw new NotFoundError({ resource: 'token', id });
  }
}
