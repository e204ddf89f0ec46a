import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Catalogue } from './catalogue.js';
import { CatalogueError, defaultCatalogueDir, loadCatalogue } from './load.js';
import { expectedCountsSchema } from './schema.js';

export interface ValidationReport {
  ok: boolean;
  problems: string[];
  catalogue?: Catalogue;
}

/**
 * The catalogue's own checks (the rest of the controls package: server/controls/validate.ts): the loader's checks (schema, unique and
 * sequential codes, clauses), item counts per control point against controls/expected-counts.yaml
 * (level 3 from the verified reference, levels 2 and 4 and the extension sets the project's pinned
 * decisions), and every clause reference of every high-risk case resolving to a unit.
 */
export function validateCatalogue(dir: string = defaultCatalogueDir()): ValidationReport {
  let catalogue: Catalogue;
  try {
    catalogue = loadCatalogue(dir);
  } catch (err) {
    if (err instanceof CatalogueError) return { ok: false, problems: err.problems };
    throw err;
  }
  const problems: string[] = [];
  const expectedFile = path.join(dir, 'expected-counts.yaml');
  const expected = expectedCountsSchema.safeParse(parseYaml(readFileSync(expectedFile, 'utf8')));
  if (!expected.success) {
    problems.push(`expected-counts.yaml: ${expected.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  } else {
    const actual = catalogue.counts();
    const keys = new Set<string>();
    const walk = (tree: Record<string, any>, prefix: string[] = []) => {
      for (const [k, v] of Object.entries(tree)) {
        if (typeof v === 'number') keys.add([...prefix, k].join(' / '));
        else walk(v, [...prefix, k]);
      }
    };
    walk(expected.data);
    walk(actual);
    const get = (tree: Record<string, any>, key: string) => key.split(' / ').reduce<any>((o, k) => o?.[k], tree);
    for (const key of [...keys].sort()) {
      const want = get(expected.data, key);
      const have = get(actual, key);
      if (want !== have) problems.push(`count ${key}: expected ${want ?? 'no such control point'}, catalogue has ${have ?? 0}`);
    }
  }
  // Every clause a high-risk case names must resolve to a unit: a case that points at nothing would
  // silently never be suggested (all five requirement sets, every level the catalogue holds).
  const levels = new Set(catalogue.items.map((i) => i.level));
  for (const c of catalogue.highRiskCases) {
    if (!c.units.length) problems.push(`high-risk case ${c.id}: resolves to no test unit`);
    for (const ref of c.clauses) {
      if (!c.unresolved.includes(`L${ref.level} ${ref.clause}`)) continue;
      problems.push(
        levels.has(ref.level)
          ? `high-risk case ${c.id}: clause L${ref.level} ${ref.clause} matches no item`
          : `high-risk case ${c.id}: clause L${ref.level} ${ref.clause} names a level the catalogue does not hold`,
      );
    }
  }
  return { ok: problems.length === 0, problems, catalogue };
}
