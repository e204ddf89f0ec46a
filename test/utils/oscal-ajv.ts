import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ROOT } from './process.js';

/**
 * The official NIST OSCAL 1.1.3 JSON Schemas (reports/oscal/schemas/) checked with ajv and
 * ajv-formats, the way NIST documents it, by the tests' own instance: exports are checked without
 * trusting reports/oscal/schema-check.ts (the import route's check, with translated messages).
 */
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: true });
addFormats(ajv);
const compiled = new Map<string, ValidateFunction>();

export function ajvErrors(model: 'catalog' | 'profile' | 'assessment-results' | 'poam' | 'component', doc: unknown): string[] {
  let validate = compiled.get(model);
  if (!validate) {
    validate = ajv.compile(JSON.parse(readFileSync(path.join(ROOT, 'reports', 'oscal', 'schemas', `oscal_${model}_schema.json`), 'utf8')));
    compiled.set(model, validate);
  }
  return validate(doc) ? [] : (validate.errors ?? []).slice(0, 20).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}
