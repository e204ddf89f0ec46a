import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { controlsDir } from '../controls/registry.js';
import {
  highRiskFileSchema,
  layerFileSchema,
  metaSchema,
  SETS,
  type CatalogueMeta,
  type LayerFile,
} from './schema.js';
import { Catalogue, type CatalogueItem, type HighRiskCase } from './catalogue.js';

/** A catalogue that cannot be loaded: every problem names the file, the item and the field. */
export class CatalogueError extends Error {
  constructor(readonly problems: string[]) {
    super(`The control catalogue is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n  ${problems.join('\n  ')}`);
    this.name = 'CatalogueError';
  }
}

/** The controls package's directory (CATALOGUE_DIR, else the shipped controls/). */
export const defaultCatalogueDir = (): string => controlsDir();

function listYaml(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const p = path.join(dir, name);
      return statSync(p).isDirectory() ? listYaml(p) : name.endsWith('.yaml') ? [p] : [];
    })
    .sort();
}

function parseFile<S extends z.ZodType>(file: string, rel: string, schema: S, problems: string[], describe?: (data: unknown, pathParts: PropertyKey[]) => string): z.output<S> | undefined {
  let data: unknown;
  try {
    data = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    problems.push(`${rel}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
  const parsed = schema.safeParse(data);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues.slice(0, 50)) {
    const where = describe?.(data, issue.path) ?? '';
    const full = issue.code === 'unrecognized_keys' ? [...issue.path, ...issue.keys].join('.') : issue.path.join('.');
    // Inside an item or a control point, name the field relative to it: "item L3-CES1-01: field weight".
    const field = where ? full.replace(/^controlPoints\.\d+\.(items\.\d+\.)?/, '').replace(/^cases\.\d+\./, '') : full;
    problems.push(`${rel}${where}: field ${field || '(root)'}: ${issue.message}`);
  }
  return undefined;
}

/** Names the item an issue path points into, e.g. " item L3-CES1-05". */
function describeItem(data: unknown, p: PropertyKey[]): string {
  if (p[0] !== 'controlPoints' || typeof p[1] !== 'number') return '';
  const cp = (data as LayerFile).controlPoints?.[p[1]];
  if (p[2] === 'items' && typeof p[3] === 'number') {
    const item = cp?.items?.[p[3]] as { code?: string } | undefined;
    return ` item ${item?.code ?? `#${p[3] + 1} of ${cp?.zh ?? '?'}`}`;
  }
  return ` control point ${cp?.zh ?? p[1]}`;
}

/** Chapter of a clause for a level and set digit: level 3 general → "8.1.", level 4 cloud → "9.2.", level 2 IoT → "7.4.". */
const clausePrefix = (level: number, digit: number) => `${level + 5}.${digit}.`;

/**
 * Loads and checks the catalogue under `dir`: the metadata, every layer file (strict schema),
 * code and clause consistency, numbering, and the high-risk cases resolved to units.
 * Throws CatalogueError listing every problem.
 */
export function loadCatalogue(dir: string = defaultCatalogueDir()): Catalogue {
  const problems: string[] = [];
  const rel = (f: string) => path.relative(dir, f) || f;
  const hash = createHash('sha256');

  const metaFile = path.join(dir, 'catalogue.yaml');
  const meta = parseFile(metaFile, 'catalogue.yaml', metaSchema, problems) as CatalogueMeta | undefined;
  if (!meta) throw new CatalogueError(problems);

  const files = listYaml(path.join(dir, meta.id));
  for (const f of [metaFile, ...files, path.join(dir, 'high-risk-cases.yaml')]) {
    hash.update(rel(f)).update('\0').update(readFileSync(f)).update('\0');
  }

  const layers = new Map(meta.layers.map((l, i) => [l.code, { ...l, order: i + 1 }]));
  const categoryDomain = new Map(meta.objectCategories.map((c) => [c.code, c.domain]));
  const items: CatalogueItem[] = [];
  const seen = new Map<string, string>();

  for (const file of files) {
    const name = rel(file);
    const data = parseFile(file, name, layerFileSchema, problems, describeItem);
    if (!data) continue;
    const layer = layers.get(data.layer)!;
    const expectedDir = path.join(meta.id, `level${data.level}`, data.set, `${data.layer}.yaml`);
    if (name !== expectedDir) problems.push(`${name}: file holds level ${data.level} ${data.set} ${data.layer}; expected it at ${expectedDir}`);
    const digit = meta.sets[data.set]!.digit;
    const prefix = `L${data.level}-${data.layer}${digit}-`;
    let expectedNumber = 1;
    data.controlPoints.forEach((cp, cpIndex) => {
      for (const gap of cp.gapsBefore ?? []) {
        if (gap !== expectedNumber) problems.push(`${name} control point ${cp.zh}: gapsBefore ${gap} but the next free number is ${expectedNumber}`);
        expectedNumber = gap + 1;
      }
      if (!cp.clause.startsWith(clausePrefix(data.level, digit))) {
        problems.push(`${name} control point ${cp.zh}: field clause: ${cp.clause} is not in chapter ${clausePrefix(data.level, digit)}`);
      }
      cp.items.forEach((it, itemIndex) => {
        const where = `${name} item ${it.code}`;
        const number = String(expectedNumber).padStart(2, '0');
        if (it.code !== `${prefix}${number}`) problems.push(`${where}: field code: expected ${prefix}${number} (standard order, documented gaps only)`);
        expectedNumber = Number(it.code.slice(-2)) + 1;
        const other = seen.get(it.code);
        if (other) problems.push(`${where}: field code: duplicate code, also in ${other}`);
        seen.set(it.code, name);
        if (it.clause !== cp.clause && !it.clause.startsWith(`${cp.clause} `)) {
          problems.push(`${where}: field clause: ${it.clause} is not under the control point's clause ${cp.clause}`);
        }
        if (it.evidence.zh.length !== it.evidence.en.length) problems.push(`${where}: field evidence: zh and en lists differ in length`);
        const domains =
          layer.domain === 'by_object'
            ? [...new Set(it.objectCategories.map((c) => categoryDomain.get(c)).filter((d): d is NonNullable<typeof d> => !!d))]
            : [layer.domain];
        items.push({
          code: it.code,
          clause: it.clause,
          level: data.level,
          set: data.set,
          layer: data.layer,
          layerName: { zh: layer.zh, en: layer.en },
          layerOrder: layer.order,
          controlPoint: { zh: cp.zh, en: cp.en, clause: cp.clause, order: cpIndex + 1 },
          order: itemIndex + 1,
          // The standard ends all but the last item of a clause with "；"; each unit stands alone here.
          text: { zh: it.text.zh.replace(/[；;]\s*$/, '。'), en: it.text.en },
          test: {
            methods: it.methods,
            steps: it.steps.map((s, i) => ({ n: i + 1, ...s })),
            decisionRule: meta.decisionRule,
            evidence: it.evidence,
          },
          objectCategories: it.objectCategories,
          weight: it.weight,
          weightValue: meta.weights[it.weight]!.value,
          domains: domains.length ? domains : ['device', 'application'],
          cloudResponsibility: it.cloudResponsibility,
          source: it.source ?? data.source,
          verified: it.verified ?? data.verified,
          ...(it.note ? { note: it.note } : {}),
        });
      });
    });
  }

  // Standard order: level, set (general, cloud, mobile, IoT, industrial control), layer, control point, item.
  items.sort(
    (a, b) =>
      a.level - b.level ||
      SETS.indexOf(a.set) - SETS.indexOf(b.set) ||
      a.layerOrder - b.layerOrder ||
      a.controlPoint.order - b.controlPoint.order ||
      a.order - b.order,
  );
  const highRiskCases = loadHighRiskCases(path.join(dir, 'high-risk-cases.yaml'), items, problems);
  if (problems.length) throw new CatalogueError(problems);
  return new Catalogue(meta, hash.digest('hex'), items, highRiskCases.cases, highRiskCases.source, highRiskCases.principles);
}

function loadHighRiskCases(file: string, items: CatalogueItem[], problems: string[]) {
  const data = parseFile(file, 'high-risk-cases.yaml', highRiskFileSchema, problems, (d, p) =>
    p[0] === 'cases' && typeof p[1] === 'number' ? ` case ${(d as { cases: { id?: string }[] }).cases?.[p[1]]?.id ?? p[1]}` : '',
  );
  if (!data) return { cases: [] as HighRiskCase[], source: '', principles: [] };
  const byClause = new Map<string, string[]>();
  for (const it of items) {
    for (const key of [`${it.level}|${it.clause}`, `${it.level}|${it.controlPoint.clause}`]) {
      byClause.set(key, [...(byClause.get(key) ?? []), it.code]);
    }
  }
  const seen = new Set<string>();
  const cases = data.cases.map((c): HighRiskCase => {
    if (seen.has(c.id)) problems.push(`high-risk-cases.yaml case ${c.id}: field id: duplicate`);
    seen.add(c.id);
    const units: string[] = [];
    const unresolved: string[] = [];
    for (const ref of c.clauses) {
      // Only levels and sets the catalogue holds can resolve; `catalogue validate` reports what does not.
      const codes = byClause.get(`${ref.level}|${ref.clause}`);
      if (codes) units.push(...codes);
      else unresolved.push(`L${ref.level} ${ref.clause}`);
    }
    return { ...c, units: [...new Set(units)], unresolved };
  });
  return { cases, source: data.source, principles: data.principles };
}
