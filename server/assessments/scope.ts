import type { Knex } from 'knex';
import type { CatalogueItem } from '../catalogue/index.js';
import { SETS } from '../catalogue/schema.js';
import { bool, newId } from '../util.js';
import { withOutsideMapping } from './outside-mapping.js';
import { testedLevel } from '../systems/filing-rules.js';

/**
 * Catalogue items of a stored catalogue version, for a level and requirement sets, in standard order.
 * A level-5 system is tested against the level-4 units (公网安〔2025〕1846号 Q9-Q11).
 */
export async function unitsInScope(knex: Knex, catalogueVersionId: string, level: number, sets: string[]): Promise<CatalogueItem[]> {
  // A stored catalogue version never changes (store.ts), so its parsed units are kept: every
  // summary, results list and workspace used to re-read and re-parse ~520 KB of JSON.
  const key = `${catalogueVersionId}|${testedLevel(level)}|${[...sets].sort().join(',')}`;
  const kept = parsedScopes.get(key);
  if (kept) return [...kept];
  const rows = await knex('catalogue_items').where({ catalogue_version_id: catalogueVersionId, level: testedLevel(level) }).whereIn('set', sets).select('data');
  const units = rows
    .map((r: { data: string }) => Object.freeze(JSON.parse(r.data)) as CatalogueItem)
    .sort((a, b) => SETS.indexOf(a.set) - SETS.indexOf(b.set) || a.layerOrder - b.layerOrder || a.controlPoint.order - b.controlPoint.order || a.order - b.order);
  // A version not (yet) stored reads no rows: nothing to keep. A few versions × levels × set combinations at most.
  if (units.length) {
    if (parsedScopes.size >= 64) parsedScopes.delete(parsedScopes.keys().next().value!);
    parsedScopes.set(key, units);
  }
  return [...units];
}

const parsedScopes = new Map<string, readonly CatalogueItem[]>();

/**
 * The result rows an assessment must hold: per unit, one row per selected object whose category
 * the unit applies to; a unit tested on the whole system (category `system`) — or one with no
 * matching object, so it can still be answered (e.g. 不适用 for a cloud tenant's machine room) —
 * has one row with object key "system".
 */
export function expectedRows(units: readonly CatalogueItem[], objects: ReadonlyArray<{ id: string; category: string }>): Array<{ code: string; objectKey: string }> {
  const rows: Array<{ code: string; objectKey: string }> = [];
  for (const u of units) {
    if (u.objectCategories.includes('system')) {
      rows.push({ code: u.code, objectKey: 'system' });
      continue;
    }
    const matching = objects.filter((o) => (u.objectCategories as string[]).includes(o.category));
    if (!matching.length) rows.push({ code: u.code, objectKey: 'system' });
    for (const o of matching) rows.push({ code: u.code, objectKey: o.id });
  }
  return rows;
}

/**
 * Brings an assessment's result rows in line with its scope: adds missing rows, removes rows that
 * fell out of scope while still not assessed. Assessed rows are never removed.
 */
export async function syncScope(trx: Knex, assessment: Record<string, any>): Promise<void> {
  const units = await unitsInScope(trx, assessment.catalogue_version_id, Number(assessment.level), JSON.parse(assessment.requirement_sets));
  const objects = (await trx('assessed_objects').where({ system_id: assessment.system_id })).filter((o: Record<string, unknown>) => bool(o.selected));
  const have: Array<{ id: string; code: string; object_key: string; value: string; outside_mapping: unknown }> = await trx('assessment_results')
    .where({ assessment_id: assessment.id })
    .select('id', 'code', 'object_key', 'value', 'outside_mapping');
  const want = withOutsideMapping(expectedRows(units, objects), have, new Set(objects.map((o: { id: string }) => o.id)));
  const key = (c: string, o: string) => `${c}|${o}`;
  const haveKeys = new Set(have.map((r) => key(r.code, r.object_key)));
  const wantKeys = new Set(want.map((r) => key(r.code, r.objectKey)));
  const missing = want.filter((r) => !haveKeys.has(key(r.code, r.objectKey)));
  for (let i = 0; i < missing.length; i += 200) {
    await trx('assessment_results').insert(
      missing.slice(i, i + 200).map((r) => ({ id: newId(), assessment_id: assessment.id, organization_id: assessment.organization_id, code: r.code, object_key: r.objectKey, value: 'not_assessed', row_version: 1, inherited: false })),
    );
  }
  const stale = have.filter((r) => !wantKeys.has(key(r.code, r.object_key)) && r.value === 'not_assessed').map((r) => r.id);
  for (let i = 0; i < stale.length; i += 200) await trx('assessment_results').whereIn('id', stale.slice(i, i + 200)).delete();
}

/** Re-syncs every open (draft or in-progress) assessment of a system after its objects changed. */
export async function syncOpenAssessments(trx: Knex, systemId: string): Promise<void> {
  const open = await trx('assessments').where({ system_id: systemId }).whereIn('status', ['draft', 'in_progress']);
  for (const a of open) await syncScope(trx, a);
}
