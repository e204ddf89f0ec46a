import type { Catalogue } from '../../server/catalogue/index.js';
import { RESPONSIBILITIES } from '../../server/catalogue/schema.js';
import { controlId } from './catalog.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface MatrixEntry {
  code: string;
  responsibility: 'provider' | 'shared' | 'tenant';
  platformResult: 'conform' | 'partial' | 'nonconform' | 'na' | null;
  note: string | null;
}

export interface Unmatched {
  /** JSON path of the implemented requirement or statement. */
  path: string;
  controlId: string;
  reason: 'unknown_control' | 'no_responsibility';
}

const RESULTS = ['conform', 'partial', 'nonconform', 'na'] as const;
const propValue = (x: Json, name: string): string | undefined => ((x.props ?? []) as Json[]).find((p) => p.name === name)?.value;

/**
 * A (schema-valid) component-definition from a provider or vendor, as entries of a platform's
 * responsibility matrix for `level`. A requirement or statement is matched by unit code
 * (`L3-CES1-02`, prop `unit-code` or the statement id `l3-ces1-02`) or by the catalogue's OSCAL
 * control id (`l3-ces1-cp-01`: every unit of the control point). Its responsibility is the prop
 * `responsibility` (provider / shared / tenant), the platform's result the prop `platform-result`.
 * Whatever matches nothing is listed, with its JSON path.
 */
export function readComponentDefinition(catalogue: Catalogue, doc: Json, level: number): { entries: MatrixEntry[]; unmatched: Unmatched[] } {
  const units = catalogue.query({ level });
  const byControl = new Map<string, string[]>();
  for (const u of units) {
    const id = controlId(u, catalogue.meta.sets[u.set]!.digit);
    byControl.set(id, [...(byControl.get(id) ?? []), u.code]);
  }
  const byCode = new Map(units.map((u) => [u.code.toLowerCase(), u.code]));
  const entries = new Map<string, MatrixEntry>();
  const unmatched: Unmatched[] = [];
  const take = (codes: string[], x: Json, fallback: Json, path: string, id: string) => {
    const responsibility = propValue(x, 'responsibility') ?? propValue(fallback, 'responsibility');
    if (!responsibility || !(RESPONSIBILITIES as readonly string[]).includes(responsibility)) return unmatched.push({ path, controlId: id, reason: 'no_responsibility' });
    const result = propValue(x, 'platform-result') ?? propValue(fallback, 'platform-result');
    for (const code of codes) {
      entries.set(code, {
        code,
        responsibility: responsibility as MatrixEntry['responsibility'],
        platformResult: responsibility === 'tenant' ? null : ((RESULTS as readonly string[]).includes(result ?? '') ? (result as MatrixEntry['platformResult']) : null),
        note: typeof x.description === 'string' ? x.description.slice(0, 500) : null,
      });
    }
  };
  const root = doc['component-definition'] as Json;
  (root.components ?? []).forEach((component: Json, ci: number) => {
    (component['control-implementations'] ?? []).forEach((impl: Json, ii: number) => {
      (impl['implemented-requirements'] ?? []).forEach((req: Json, ri: number) => {
        const path = `$.component-definition.components[${ci}].control-implementations[${ii}].implemented-requirements[${ri}]`;
        const id = String(req['control-id']);
        const statements = (req.statements ?? []) as Json[];
        const unitOf = (x: Json, sid?: string) => byCode.get(String(propValue(x, 'unit-code') ?? sid ?? '').toLowerCase());
        if (statements.length) {
          statements.forEach((st, si) => {
            const code = unitOf(st, st['statement-id']);
            if (code) take([code], st, req, `${path}.statements[${si}]`, id);
            else if (byControl.has(id)) take(byControl.get(id)!, st, req, `${path}.statements[${si}]`, id);
            else unmatched.push({ path: `${path}.statements[${si}]`, controlId: String(st['statement-id']), reason: 'unknown_control' });
          });
        } else {
          const code = unitOf(req, id);
          if (code) take([code], req, {}, path, id);
          else if (byControl.has(id)) take(byControl.get(id)!, req, {}, path, id);
          else unmatched.push({ path, controlId: id, reason: 'unknown_control' });
        }
      });
    });
  });
  return { entries: [...entries.values()], unmatched };
}
