import type { Catalogue, CatalogueItem } from '../../server/catalogue/index.js';
import type { RequirementSet } from '../../server/catalogue/schema.js';
import { NS, OSCAL_VERSION, nonEmpty, oscalDateTime, prop, uuidV5, type Prop } from './common.js';

/** OSCAL's assessment methods for GB/T 28448's 访谈 / 核查 / 测试. */
export const METHOD_TO_OSCAL = { interview: 'INTERVIEW', inspection: 'EXAMINE', testing: 'TEST' } as const;

/** The OSCAL control id of a control point: `l3-ces1-cp-02` (level, layer + set digit, order in the layer). */
export function controlId(item: Pick<CatalogueItem, 'level' | 'layer' | 'controlPoint'>, setDigit: number): string {
  return `l${item.level}-${item.layer.toLowerCase()}${setDigit}-cp-${String(item.controlPoint.order).padStart(2, '0')}`;
}

/** The part id of a requirement item inside its control: the GB/T 28448 code, lower case (`l3-ces1-01`). */
export const itemPartId = (code: string) => code.toLowerCase();

export interface CatalogSelection {
  level: number;
  sets: readonly RequirementSet[];
}

type Json = Record<string, unknown>;

const translation = (id: string, en: string) => ({ id: `${id}_en`, name: 'translation', ns: NS, props: [prop('lang', 'en')], prose: en });

/** One requirement item (test unit) as a part: zh prose, en as a translation part, test steps and evidence as parts. */
function itemPart(item: CatalogueItem): Json {
  const id = itemPartId(item.code);
  const props: Prop[] = [
    prop('unit-code', item.code),
    prop('clause', item.clause),
    prop('level', item.level),
    prop('requirement-set', item.set),
    prop('weight', item.weight),
    prop('cloud-responsibility', item.cloudResponsibility),
    ...item.test.methods.map((m) => prop('method', m)),
    ...item.objectCategories.map((c) => prop('object-category', c)),
  ];
  return {
    id,
    name: 'item',
    props,
    prose: item.text.zh,
    parts: [
      translation(id, item.text.en),
      {
        id: `${id}_test`,
        name: 'assessment-method',
        props: item.test.methods.map((m) => ({ name: 'method', value: METHOD_TO_OSCAL[m] })),
        parts: item.test.steps.map((s) => ({ id: `${id}_step-${s.n}`, name: 'test-step', ns: NS, prose: s.zh, parts: [translation(`${id}_step-${s.n}`, s.en)] })),
      },
      {
        id: `${id}_evidence`,
        name: 'evidence',
        ns: NS,
        parts: item.test.evidence.zh.map((zh, i) => ({ id: `${id}_evidence-${i + 1}`, name: 'evidence-item', ns: NS, prose: zh, parts: [translation(`${id}_evidence-${i + 1}`, item.test.evidence.en[i] ?? zh)] })),
      },
    ],
  };
}

/**
 * The catalogue as an OSCAL catalog for one level and a selection of requirement sets: layers
 * are groups, control points are controls, requirement items (test units) are parts. Pure:
 * the same catalogue and selection give the same document (apart from `lastModified`).
 */
export function buildCatalog(catalogue: Catalogue, selection: CatalogSelection, lastModified: Date): { catalog: Json } {
  const items = selection.sets.flatMap((set) => catalogue.query({ level: selection.level, set }));
  const digit = (set: RequirementSet) => catalogue.meta.sets[set]!.digit;
  const groups: Json[] = [];
  for (const layer of catalogue.meta.layers) {
    const inLayer = items.filter((i) => i.layer === layer.code);
    if (!inLayer.length) continue;
    const controls = new Map<string, CatalogueItem[]>();
    for (const item of inLayer) {
      const id = controlId(item, digit(item.set));
      controls.set(id, [...(controls.get(id) ?? []), item]);
    }
    groups.push({
      id: `l${selection.level}-${layer.code.toLowerCase()}`,
      class: 'layer',
      title: layer.zh,
      props: [prop('layer', layer.code), prop('title', layer.en, 'en'), prop('kind', layer.kind)],
      controls: [...controls].map(([id, units]) => {
        const first = units[0]!;
        return {
          id,
          class: 'control-point',
          title: first.controlPoint.zh,
          props: [
            prop('clause', first.controlPoint.clause),
            prop('level', first.level),
            prop('requirement-set', first.set),
            prop('title', first.controlPoint.en, 'en'),
            prop('label', `${first.layer}${digit(first.set)} ${first.controlPoint.order}`),
          ],
          parts: [{ id: `${id}_smt`, name: 'statement', parts: units.map(itemPart) }],
        };
      }),
    });
  }
  const setNames = selection.sets.map((s) => catalogue.meta.sets[s]!.zh).join('、');
  return {
    catalog: {
      uuid: uuidV5(`catalog:${catalogue.meta.id}:${catalogue.version}:level-${selection.level}:${selection.sets.join(',')}`),
      metadata: {
        title: `${catalogue.meta.name.zh} · 第${'〇一二三四五'[selection.level]}级 · ${setNames}`,
        'last-modified': oscalDateTime(lastModified),
        version: catalogue.version,
        'oscal-version': OSCAL_VERSION,
        props: [
          prop('catalogue-id', catalogue.meta.id),
          prop('level', selection.level),
          ...selection.sets.map((s) => prop('requirement-set', s)),
          prop('title', `${catalogue.meta.name.en} · level ${selection.level} · ${selection.sets.map((s) => catalogue.meta.sets[s]!.en).join(', ')}`, 'en'),
        ],
        remarks: catalogue.meta.standards.join('\n'),
      },
      ...nonEmpty('groups', groups),
    },
  };
}
