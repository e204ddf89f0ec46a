import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { generateSecret, generateURI, verify } from 'otplib';
import { transaction } from '../database/transaction.js';
import { newId, now } from '../util.js';

/**
 * Encrypts TOTP secrets at rest (AES-256-GCM). The key comes from MFA_ENCRYPTION_KEY, or from
 * SESSION_SECRET when that is not set: a database dump alone does not give the secrets.
 */
export class SecretBox {
  private readonly key: Buffer;
  constructor(material: string) {
    this.key = createHash('sha256').update(`dengbao-mfa-v1\0${material}`).digest();
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64'), cipher.getAuthTag().toString('base64'), body.toString('base64')].join('.');
  }

  open(sealed: string): string | undefined {
    const [v, iv, tag, body] = sealed.split('.');
    if (v !== 'v1' || !iv || !tag || !body) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64'));
      decipher.setAuthTag(Buffer.from(tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      return undefined; // another key (SESSION_SECRET changed without MFA_ENCRYPTION_KEY): the user re-enrols
    }
  }
}

export const RECOVERY_CODE_COUNT = 10;
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** 16 characters from a 32-symbol alphabet (80 bits), shown as XXXX-XXXX-XXXX-XXXX. */
function recoveryCode(): string {
  const bytes = randomBytes(16);
  const chars = [...bytes].map((b) => CODE_ALPHABET[b % 32]).join('');
  return chars.match(/.{4}/g)!.join('-');
}
const normaliseRecovery = (code: string) => code.toUpperCase().replace(/[^A-Z0-9]/g, '');
const hashRecovery = (code: string) => createHash('sha256').update(normaliseRecovery(code)).digest('hex');

/** Replaces a user's recovery codes; the plain codes are returned once and only their hashes kept. */
export async function replaceRecoveryCodes(knex: Knex, userId: string): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, recoveryCode);
  await transaction(knex, async (trx) => {
    await trx('recovery_codes').where({ user_id: userId }).delete();
    const at = now();
    await trx('recovery_codes').insert(codes.map((c) => ({ id: newId(), user_id: userId, code_hash: hashRecovery(c), created_at: at })));
  });
  return codes;
}

export const TOTP_ISSUER = 'dengbao';
/** One step either side: clocks a little off still work. */
const TOLERANCE_SECONDS = 30;

export function newTotpSecret(username: string): { secret: string; otpauthUri: string } {
  const secret = generateSecret();
  return { secret, otpauthUri: generateURI({ issuer: TOTP_ISSUER, label: username, secret }) };
}

/** The time step of a valid code, or undefined. */
export async function totpStep(secret: string, code: string, afterTimeStep?: number): Promise<number | undefined> {
  if (!/^\d{6}$/.test(code)) return undefined;
  try {
    const result = await verify({ secret, token: code, epochTolerance: TOLERANCE_SECONDS, afterTimeStep });
    return result.valid ? (result as { timeStep: number }).timeStep : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks a second-factor code for a user with TOTP enabled: a current TOTP code (each accepted
 * once: the step is recorded atomically) or an unused recovery code (spent atomically).
 */
export async function verifySecondFactor(knex: Knex, box: SecretBox, user: { id: string; totp_secret: string | null; totp_last_step: number | null }, code: string): Promise<boolean> {
  const given = code.replace(/\s/g, '');
  if (/^\d{6}$/.test(given)) {
    const secret = user.totp_secret ? box.open(user.totp_secret) : undefined;
    if (!secret) return false;
    const last = user.totp_last_step === null || user.totp_last_step === undefined ? undefined : Number(user.totp_last_step);
    const step = await totpStep(secret, given, last);
    if (step === undefined) return false;
    const n = await knex('users')
      .where({ id: user.id })
      .where((w) => w.whereNull('totp_last_step').orWhere('totp_last_step', '<', step))
      .update({ totp_last_step: step });
    return n === 1;
  }
  if (normaliseRecovery(given).length !== 16) return false;
  const n = await knex('recovery_codes').where({ user_id: user.id, code_hash: hashRecovery(given) }).whereNull('used_at').update({ used_at: now() });
  return n === 1;
}
