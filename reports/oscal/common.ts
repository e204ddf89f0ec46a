import { createHash } from 'node:crypto';

/**
 * OSCAL version of the documents: the NIST 1.1.3 JSON schemas the tests validate against
 * (catalog and profile are unchanged from 1.1.2).
 */
export const OSCAL_VERSION = '1.1.3';
/** Namespace of dengbao's own props and part names (OSCAL requires one for names outside its own set). */
export const NS = 'urn:dengbao:oscal';
/** Fixed namespace of dengbao's UUID v5s: never change it, or every exported UUID changes. */
export const UUID_NAMESPACE = '6f1c9a52-2b7e-4c0d-9a35-8e4d1b7f3c20';

/**
 * RFC 4122 UUID v5 (SHA-1 of namespace + name): the same dengbao id or code always gives the
 * same UUID, so a re-export keeps its UUIDs and another tool can match them.
 */
export function uuidV5(name: string, namespace = UUID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export interface Prop {
  name: string;
  value: string;
  ns?: string;
  class?: string;
}

/** A dengbao prop; OSCAL refuses blank or whitespace-padded values, so values are trimmed. */
export const prop = (name: string, value: string | number, cls?: string): Prop => ({ name, ns: NS, value: String(value).trim(), ...(cls ? { class: cls } : {}) });

/** OSCAL date-times need a time zone; seconds precision is enough. */
export const oscalDateTime = (d: Date) => `${d.toISOString().slice(0, 19)}Z`;

/** OSCAL arrays must not be empty: the key is left out instead. */
export const nonEmpty = <K extends string, T>(key: K, list: T[]): Partial<Record<K, T[]>> => (list.length ? ({ [key]: list } as Record<K, T[]>) : {});
