import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../server/version.js';

/**
 * A small JSON Schema (draft-07) validator for the keywords the NIST OSCAL schemas use: $ref to
 * local definitions, type, properties, required, additionalProperties, items, minItems, allOf,
 * anyOf, enum, pattern (Unicode), minimum and the formats date-time, uri, uri-reference, email.
 * Enough to check what dengbao exports and to refuse a bad import with JSON paths, without a
 * new dependency.
 */
type Schema = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface SchemaError {
  path: string;
  message: string;
}

const FORMATS: Record<string, RegExp> = {
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i,
  uri: /^[a-zA-Z][a-zA-Z0-9+.-]*:\S*$/,
  'uri-reference': /^\S*$/,
  email: /^[^@\s]+@[^@\s]+$/,
};

const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : Number.isInteger(v) ? 'integer' : typeof v);
const hasType = (v: unknown, t: string) => typeOf(v) === t || (t === 'number' && typeof v === 'number');

export class JsonSchemaValidator {
  private readonly patterns = new Map<string, RegExp>();
  constructor(private readonly root: Schema) {}

  /** Every error (up to `limit`), each with the JSON path of the offending value. */
  validate(value: unknown, limit = 50): SchemaError[] {
    const errors: SchemaError[] = [];
    this.check(this.root, value, '$', errors, limit);
    return errors.slice(0, limit);
  }

  private resolve(ref: string): Schema {
    const m = /^#\/definitions\/(.+)$/.exec(ref);
    const target = m ? this.root.definitions?.[m[1]!] : undefined;
    if (!target) throw new Error(`unresolvable $ref ${ref}`);
    return target;
  }

  private pattern(p: string): RegExp {
    let re = this.patterns.get(p);
    if (!re) this.patterns.set(p, (re = new RegExp(p, 'u')));
    return re;
  }

  private check(schema: Schema, v: unknown, at: string, errors: SchemaError[], limit: number): void {
    if (errors.length >= limit) return;
    if (schema.$ref) return this.check(this.resolve(schema.$ref), v, at, errors, limit);
    const fail = (message: string) => void errors.push({ path: at, message });
    if (schema.type && !([] as string[]).concat(schema.type).some((t) => hasType(v, t))) return fail(`must be ${schema.type}`);
    if (schema.enum && !schema.enum.includes(v)) fail(`must be one of ${schema.enum.join(', ')}`);
    if (typeof v === 'string') {
      if (schema.pattern && !this.pattern(schema.pattern).test(v)) fail(`must match ${schema.pattern}`);
      if (schema.format && FORMATS[schema.format] && !FORMATS[schema.format]!.test(v)) fail(`must be a ${schema.format}`);
    }
    if (typeof v === 'number' && schema.minimum !== undefined && v < schema.minimum) fail(`must be >= ${schema.minimum}`);
    if (Array.isArray(v)) {
      if (schema.minItems !== undefined && v.length < schema.minItems) fail(`must have at least ${schema.minItems} item(s)`);
      if (schema.items) v.forEach((x, i) => this.check(schema.items, x, `${at}[${i}]`, errors, limit));
    }
    if (typeOf(v) === 'object') {
      const obj = v as Record<string, unknown>;
      for (const key of schema.required ?? []) if (!(key in obj)) fail(`must have required property '${key}'`);
      for (const [key, x] of Object.entries(obj)) {
        const sub = schema.properties?.[key];
        if (sub) this.check(sub, x, `${at}.${key}`, errors, limit);
        else if (schema.additionalProperties === false) errors.push({ path: `${at}.${key}`, message: 'is not allowed (no such property)' });
      }
    }
    for (const sub of schema.allOf ?? []) this.check(sub, v, at, errors, limit);
    if (schema.anyOf) {
      const ok = (schema.anyOf as Schema[]).some((sub) => {
        const e: SchemaError[] = [];
        this.check(sub, v, at, e, limit);
        return e.length === 0;
      });
      if (!ok) fail('must match one of the allowed shapes (anyOf)');
    }
  }
}

// From the project root, so a build in dist/ finds the same files (like templates/).
const dir = () => path.join(projectRoot(), 'reports', 'oscal', 'schemas');
export type OscalModel = 'catalog' | 'profile' | 'assessment-results' | 'poam' | 'component';
const cache = new Map<OscalModel, JsonSchemaValidator>();

/** The validator of one OSCAL model, from the official schema files in reports/oscal/schemas/. */
export function oscalValidator(model: OscalModel): JsonSchemaValidator {
  let v = cache.get(model);
  if (!v) cache.set(model, (v = new JsonSchemaValidator(JSON.parse(readFileSync(path.join(dir(), `oscal_${model}_schema.json`), 'utf8')))));
  return v;
}
