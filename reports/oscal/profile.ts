import type { Catalogue } from '../../server/catalogue/index.js';
import { SETS } from '../../server/catalogue/schema.js';
import { controlId, type CatalogSelection } from './catalog.js';
import { OSCAL_VERSION, oscalDateTime, prop, uuidV5 } from './common.js';

/**
 * One OSCAL profile per level and requirement-set selection: it imports the level's whole
 * catalog (every set) and includes the control points of the selected sets by id.
 */
export function buildProfile(catalogue: Catalogue, selection: CatalogSelection, lastModified: Date, catalogHref: string): { profile: Record<string, unknown> } {
  const ids = [...new Set(selection.sets.flatMap((set) => catalogue.query({ level: selection.level, set }).map((i) => controlId(i, catalogue.meta.sets[set]!.digit))))];
  const allSets = SETS.filter((s) => catalogue.query({ level: selection.level, set: s }).length);
  return {
    profile: {
      uuid: uuidV5(`profile:${catalogue.meta.id}:${catalogue.version}:level-${selection.level}:${selection.sets.join(',')}`),
      metadata: {
        title: `${catalogue.meta.name.zh} · 第${'〇一二三四五'[selection.level]}级 · ${selection.sets.map((s) => catalogue.meta.sets[s]!.zh).join('、')}`,
        'last-modified': oscalDateTime(lastModified),
        version: catalogue.version,
        'oscal-version': OSCAL_VERSION,
        props: [prop('level', selection.level), ...selection.sets.map((s) => prop('requirement-set', s))],
      },
      imports: [{ href: `${catalogHref}?level=${selection.level}&sets=${allSets.join(',')}`, 'include-controls': [{ 'with-ids': ids }] }],
      merge: { 'as-is': true },
    },
  };
}
