import type { Catalogue, CatalogueItem } from '../../server/catalogue/index.js';
import { NS } from './common.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A test unit as read back from an OSCAL catalog exported by dengbao. */
export interface ImportedUnit {
  code: string;
  /** The OSCAL control id it was found under. */
  control: string;
  fields: Record<string, unknown>;
}

export interface CatalogDifference {
  code: string;
  field: string;
  kind: 'changed' | 'unknown_unit' | 'missing_unit';
  catalogue?: unknown;
  imported?: unknown;
}

const ours = (x: Json, name: string) => ((x.props ?? []) as Json[]).filter((p) => p.name === name && p.ns === NS).map((p) => String(p.value));
const one = (x: Json, name: string) => ours(x, name)[0];
const childParts = (x: Json, name: string) => ((x.parts ?? []) as Json[]).filter((p) => p.name === name);
const english = (x: Json) => childParts(x, 'translation')[0]?.prose as string | undefined;

/** The fields compared on a round trip: what the catalog carries of each unit. */
function unitFields(i: CatalogueItem): Record<string, unknown> {
  return {
    clause: i.clause,
    level: String(i.level),
    set: i.set,
    layer: i.layer,
    weight: i.weight,
    cloudResponsibility: i.cloudResponsibility,
    methods: i.test.methods,
    objectCategories: i.objectCategories,
    'text.zh': i.text.zh,
    'text.en': i.text.en,
    'controlPoint.zh': i.controlPoint.zh,
    'controlPoint.en': i.controlPoint.en,
    'controlPoint.clause': i.controlPoint.clause,
    'steps.zh': i.test.steps.map((s) => s.zh),
    'steps.en': i.test.steps.map((s) => s.en),
    'evidence.zh': i.test.evidence.zh,
    'evidence.en': i.test.evidence.en,
  };
}

/** Reads every unit of a (schema-valid) OSCAL catalog written by dengbao: groups → controls → statement items. */
export function readCatalog(doc: Json): { units: ImportedUnit[]; level: string | undefined; sets: string[] } {
  const catalog = doc.catalog as Json;
  const units: ImportedUnit[] = [];
  for (const group of (catalog.groups ?? []) as Json[]) {
    for (const control of (group.controls ?? []) as Json[]) {
      for (const statement of childParts(control, 'statement')) {
        for (const part of childParts(statement, 'item')) {
          const code = one(part, 'unit-code');
          if (!code) continue;
          const steps = childParts(childParts(part, 'assessment-method')[0] ?? {}, 'test-step');
          const evidence = childParts(childParts(part, 'evidence')[0] ?? {}, 'evidence-item');
          units.push({
            code,
            control: control.id,
            fields: {
              clause: one(part, 'clause'),
              level: one(part, 'level'),
              set: one(part, 'requirement-set'),
              layer: one(group, 'layer'),
              weight: one(part, 'weight'),
              cloudResponsibility: one(part, 'cloud-responsibility'),
              methods: ours(part, 'method'),
              objectCategories: ours(part, 'object-category'),
              'text.zh': part.prose,
              'text.en': english(part),
              'controlPoint.zh': control.title,
              'controlPoint.en': ours(control, 'title')[0],
              'controlPoint.clause': one(control, 'clause'),
              'steps.zh': steps.map((s) => s.prose),
              'steps.en': steps.map(english),
              'evidence.zh': evidence.map((e) => e.prose),
              'evidence.en': evidence.map(english),
            },
          });
        }
      }
    }
  }
  return { units, level: one(catalog.metadata, 'level'), sets: ours(catalog.metadata, 'requirement-set') };
}

/**
 * Every difference between the units read back and the catalogue: changed fields, units the
 * catalogue does not have, and units of the document's level and sets that the document lacks.
 * A dengbao export read back gives none (the round trip loses nothing).
 */
export function compareWithCatalogue(catalogue: Catalogue, read: ReturnType<typeof readCatalog>): CatalogDifference[] {
  const out: CatalogDifference[] = [];
  const seen = new Set<string>();
  for (const unit of read.units) {
    seen.add(unit.code);
    const item = catalogue.byCode.get(unit.code);
    if (!item) {
      out.push({ code: unit.code, field: 'code', kind: 'unknown_unit', imported: unit.code });
      continue;
    }
    const expected = unitFields(item);
    for (const [field, value] of Object.entries(expected)) {
      if (JSON.stringify(value) !== JSON.stringify(unit.fields[field])) out.push({ code: unit.code, field, kind: 'changed', catalogue: value, imported: unit.fields[field] });
    }
  }
  const level = Number(read.level);
  if (level) {
    for (const set of read.sets) {
      for (const item of catalogue.query({ level, set: set as CatalogueItem['set'] })) {
        if (!seen.has(item.code)) out.push({ code: item.code, field: 'code', kind: 'missing_unit', catalogue: item.code });
      }
    }
  }
  return out;
}
