import fc from 'fast-check';
import { z } from 'zod';

/** A JSON Schema node as z.toJSONSchema() writes it (the parts the converter reads). */
interface Json {
  type?: string | string[];
  anyOf?: Json[];
  oneOf?: Json[];
  allOf?: Json[];
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, Json>;
  required?: string[];
  additionalProperties?: boolean | Json;
  items?: Json;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

export interface ArbitraryOptions {
  /** Real ids to use for uuid fields (most ids should exist, so requests reach the database). */
  ids: string[];
  /** Characters strings are built from; see fuzz.test.ts for what is excluded and why. */
  text: fc.Arbitrary<string>;
}

const MAX_ITEMS = 4;
const MAX_TEXT = 40;

/** Dates as people type them, valid or not (the zod refinements behind `date` are not in the JSON Schema). */
const dateLike = fc.oneof(
  fc.date({ min: new Date('1900-01-01'), max: new Date('2100-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.constantFrom('2026-02-29', '2026-02-30', '2024-02-29', '0000-00-00', '9999-12-31', '2026-13-01', '2026-1-1', '2026-11-30T00:00:00Z', ''),
);

const isDateKey = (key: string | undefined) => !!key && /(date|On|Until|At|since)$/i.test(key) && !/^(update|create)/i.test(key);

function stringArb(s: Json, key: string | undefined, o: ArbitraryOptions): fc.Arbitrary<string> {
  if (s.format === 'uuid') return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...o.ids) }, { weight: 1, arbitrary: fc.uuid() }, { weight: 1, arbitrary: fc.string({ maxLength: 40 }) });
  if (s.format === 'date-time') return fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), dateLike);
  if (s.format === 'email') return fc.oneof(fc.emailAddress(), fc.string({ maxLength: 20 }));
  if (s.pattern) {
    let re: RegExp | undefined;
    try {
      re = new RegExp(s.pattern);
    } catch {
      re = undefined;
    }
    if (re) return fc.oneof({ weight: 4, arbitrary: fc.stringMatching(re).filter((x) => x.length <= (s.maxLength ?? 200)) }, { weight: 1, arbitrary: fc.string({ unit: o.text, maxLength: 20 }) });
  }
  if (isDateKey(key)) return fc.oneof({ weight: 4, arbitrary: dateLike }, { weight: 1, arbitrary: fc.string({ unit: o.text, maxLength: 12 }) });
  const min = s.minLength ?? 0;
  const max = Math.min(s.maxLength ?? MAX_TEXT, MAX_TEXT);
  return fc.oneof(
    { weight: 8, arbitrary: fc.string({ unit: o.text, minLength: Math.min(min, max), maxLength: Math.max(max, Math.min(min, max)) }) },
    // The edges: exactly the limit, one past it, and blank.
    { weight: 1, arbitrary: fc.constantFrom(...[s.maxLength, (s.maxLength ?? 1000) + 1].filter((n): n is number => n !== undefined).map((n) => '字'.repeat(n)), '   ') },
  );
}

function numberArb(s: Json, integer: boolean): fc.Arbitrary<number> {
  const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : -1e6);
  const max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : 1e6);
  const lo = Math.max(min, -1e9);
  const hi = Math.min(max, 1e9);
  const inRange = integer ? fc.integer({ min: Math.ceil(lo), max: Math.floor(hi) }) : fc.double({ min: lo, max: hi, noNaN: true });
  return fc.oneof({ weight: 4, arbitrary: inRange }, { weight: 1, arbitrary: fc.constantFrom(0, -1, lo - 1, hi + 1, 2 ** 31, 2 ** 53, -(2 ** 63), 1.5, 1e308) });
}

function fromJson(s: Json, o: ArbitraryOptions, key?: string): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((a) => fromJson(a, o, key)));
  if (s.allOf?.length) return fromJson(s.allOf[0]!, o, key);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'object': {
      const props = s.properties ?? {};
      const required = new Set(s.required ?? []);
      const record = fc.record(Object.fromEntries(Object.entries(props).map(([k, v]) => [k, fromJson(v, o, k)])), { requiredKeys: [...required].filter((k) => k in props) });
      return record;
    }
    case 'array': {
      const item = s.items ? fromJson(s.items, o, key) : fc.jsonValue();
      return fc.array(item, { minLength: s.minItems ?? 0, maxLength: Math.max(s.minItems ?? 0, Math.min(s.maxItems ?? MAX_ITEMS, MAX_ITEMS)) });
    }
    case 'string':
      return stringArb(s, key, o);
    case 'integer':
      return numberArb(s, true);
    case 'number':
      return numberArb(s, false);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** An arbitrary of inputs shaped by a zod schema: mostly plausible (often valid), with the edges. */
export function arbitraryFor(schema: z.ZodType, o: ArbitraryOptions): fc.Arbitrary<unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return fromJson(json, o);
}

/** What a careless or hostile client sends instead: any JSON, wrong types, unknown keys. */
export function junkFor(schema: z.ZodType, o: ArbitraryOptions): fc.Arbitrary<unknown> {
  const plausible = arbitraryFor(schema, o);
  return fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.tuple(plausible, fc.string({ unit: o.text, maxLength: 10 }), fc.jsonValue({ maxDepth: 1 })).map(([v, k, x]) => (v && typeof v === 'object' && !Array.isArray(v) ? { ...v, [k || 'x']: x } : v)),
    fc.tuple(plausible, fc.jsonValue({ maxDepth: 1 })).map(([v, x]) => {
      // One field replaced with a value of another type.
      if (!v || typeof v !== 'object' || Array.isArray(v)) return x;
      const keys = Object.keys(v);
      return keys.length ? { ...v, [keys[0]!]: x } : v;
    }),
  );
}

/** Up to `count` inputs the schema accepts (for requests that must get past validation). */
export function validSamples(schema: z.ZodType, o: ArbitraryOptions, count: number, seed = 42): unknown[] {
  const out: unknown[] = [];
  const candidates = fc.sample(arbitraryFor(schema, o), { numRuns: 400, seed });
  for (const c of candidates) {
    if (schema.safeParse(c).success) out.push(c);
    if (out.length >= count) break;
  }
  return out;
}
