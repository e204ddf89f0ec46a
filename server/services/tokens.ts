import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Caller } from '../context.js';
import { NotFoundError } from '../errors.js';
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
}

const view = (r: Record<string, any>): ApiTokenView => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  createdAt: r.created_at,
  expiresAt: r.expires_at ?? null,
  lastUsedAt: r.last_used_at ?? null,
  revokedAt: r.revoked_at ?? null,
});

/** API tokens for scripts. A token acts as its user; it is shown once and stored as a SHA-256. */
export class TokensService {
  constructor(
    private readonly knex: Knex,
    private readonly caller: Caller,
  ) {}

  async create(input: { name: string; expiresInDays?: number }): Promise<ApiTokenView & { token: string }> {
    const token = `dbt_${randomBytes(32).toString('base64url')}`;
    const at = now();
    const row = {
      id: newId(),
      user_id: this.caller.userId,
      name: input.name,
      token_hash: sha256(token),
      prefix: token.slice(0, 12),
      created_at: at,
      expires_at: input.expiresInDays
        ? new Date(Date.parse(at) + input.expiresInDays * 86_400_000).toISOString()
        : null,
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
