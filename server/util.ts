import { randomUUID } from 'node:crypto';

export const newId = (): string => randomUUID();
export const now = (): string => new Date().toISOString();
export const addMinutes = (iso: string, minutes: number): string =>
  new Date(Date.parse(iso) + minutes * 60_000).toISOString();
/** SQLite returns 0/1 for booleans, PostgreSQL true/false. */
export const bool = (v: unknown): boolean => v === true || v === 1 || v === '1';
