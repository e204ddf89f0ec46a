import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Catalogue } from './catalogue.js';
import { CatalogueError, defaultCatalogueDir } from './load.js';
import { EXTENSIONS, LAYER_CODES, type LayerCode } from './schema.js';
import { shippedCatalogue } from './index.js';
import { controlsPart } from '../controls/registry.js';
import { readTriggersSnapshot } from './snapshot.js';

/**
 * The 32 major-risk-hazard triggers (重大风险隐患触发项, appendix G table 1 of the 2025 test-report
 * template) under controls/major-risk-triggers.yaml: strict schema, codes A-01…A-32 in order,
 * cross-cutting triggers without a layer, and each listed unit checked against the catalogue (it
 * exists and lies in the trigger's layer and control point).
 */
export const TRIGGER_CODE = /^A-\d{2}$/;
export const PRINCIPLES = ['relevance', 'severity', 'prevalence'] as const;
export type Principle = (typeof PRINCIPLES)[number];

const zhEn = z.strictObject({ zh: z.string().trim().min(1), en: z.string().trim().min(1) });
const triggerSchema = z.strictObject({
  code: z.string().regex(TRIGGER_CODE, 'code like A-01'),
  layer: z.enum(LAYER_CODES).nullable(),
  layerName: z.string().min(1),
  extension: z.enum(EXTENSIONS).nullable(),
  controlPoint: z.string().min(1).nullable(),
  requirement: z.string().min(1).nullable(),
  title: zhEn,
  conditions: z.array(z.string().min(1)).min(1),
  crossCutting: z.boolean(),
  source: z.string().min(1),
  confidence: z.enum(['high', 'medium', 'low']),
  units: z.array(z.string().regex(/^L[34]-[A-Z]{3}\d-\d{2}$/, 'unit code like L3-CES1-01')),
  /** How sure the unit mapping is: exact (the requirement is the unit's text), close (same control point, wording differs), none. */
  unitMatch: z.enum(['exact', 'close', 'none']),
  unitNote: z.string().min(1),
});
export const triggersFileSchema = z.strictObject({
  version: z.string().min(1),
  source: z.string().min(1),
  confidence: z.string().min(1),
  principles: z.array(z.strictObject({ key: z.enum(PRINCIPLES), zh: z.string().min(1), en: z.string().min(1) })).length(3),
  triggers: z.array(triggerSchema).min(1),
});

export type MajorRiskTrigger = z.infer<typeof triggerSchema> & { layer: LayerCode | null };
export interface MajorRiskTriggers {
  version: string;
  source: string;
  confidence: string;
  principles: Array<{ key: Principle; zh: string; en: string }>;
  triggers: MajorRiskTrigger[];
  byCode: ReadonlyMap<string, MajorRiskTrigger>;
}

const FILE = 'major-risk-triggers.yaml';

/** Loads and checks the triggers; throws CatalogueError naming the file, the trigger and the field. */
export function loadMajorRiskTriggers(catalogue: Catalogue, dir: string = defaultCatalogueDir()): MajorRiskTriggers {
  const problems: string[] = [];
  let data: unknown;
  try {
    data = parseYaml(readFileSync(path.join(dir, FILE), 'utf8'));
  } catch (err) {
    throw new CatalogueError([`${FILE}: not readable YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  const parsed = triggersFileSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues.slice(0, 50)) {
      const i = issue.path[0] === 'triggers' && typeof issue.path[1] === 'number' ? issue.path[1] : undefined;
      const code = i !== undefined ? ((data as { triggers?: Array<{ code?: string }> }).triggers?.[i]?.code ?? `#${i + 1}`) : undefined;
      const keys = issue.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys] : issue.path;
      const field = (code ? keys.slice(2) : keys).join('.');
      problems.push(`${FILE}${code ? ` trigger ${code}` : ''}: field ${field || '(root)'}: ${issue.message}`);
    }
    throw new CatalogueError(problems);
  }
  const file = parsed.data;
  file.triggers.forEach((t, i) => {
    const where = `${FILE} trigger ${t.code}`;
    const expected = `A-${String(i + 1).padStart(2, '0')}`;
    if (t.code !== expected) problems.push(`${where}: field code: expected ${expected} (table order)`);
    if (t.crossCutting !== (t.layer === null)) problems.push(`${where}: field layer: a cross-cutting trigger has no layer, every other one has`);
    if (!t.crossCutting && (!t.controlPoint || !t.requirement)) problems.push(`${where}: field controlPoint: a trigger tied to a requirement names its control point and requirement`);
    if ((t.unitMatch === 'none') !== (t.units.length === 0)) problems.push(`${where}: field unitMatch: ${t.unitMatch} with ${t.units.length} unit(s)`);
    for (const code of t.units) {
      const item = catalogue.byCode.get(code);
      if (!item) problems.push(`${where}: field units: ${code} is not in the catalogue`);
      else if (item.layer !== t.layer || item.controlPoint.zh !== t.controlPoint) {
        problems.push(`${where}: field units: ${code} is in ${item.layer} ${item.controlPoint.zh}, not ${t.layer} ${t.controlPoint}`);
      }
    }
  });
  if (problems.length) throw new CatalogueError(problems);
  const triggers = file.triggers as MajorRiskTrigger[];
  return { ...file, triggers, byCode: new Map(triggers.map((t) => [t.code, t])) };
}

/** The triggers of the controls package, checked against its catalogue once per process (the compiled server: from the build's snapshot, like the catalogue). */
export const shippedTriggers: () => MajorRiskTriggers = controlsPart(
  'major-risk-triggers',
  (dir) => (import.meta.url.endsWith('.js') ? readTriggersSnapshot(dir) : undefined) ?? loadMajorRiskTriggers(shippedCatalogue(), dir),
);
