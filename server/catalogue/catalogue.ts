import type { CatalogueMeta, Domain, LayerCode, ObjectCategory, RequirementSet } from './schema.js';

export interface ZhEn {
  zh: string;
  en: string;
}

/** One GB/T 28448 test unit (one per GB/T 22239 requirement item), as served by the API. */
export interface CatalogueItem {
  code: string;
  clause: string;
  level: number;
  set: RequirementSet;
  layer: LayerCode;
  layerName: ZhEn;
  layerOrder: number;
  controlPoint: ZhEn & { clause: string; order: number };
  /** Position within the control point. */
  order: number;
  text: ZhEn;
  test: {
    methods: Array<'interview' | 'inspection' | 'testing'>;
    steps: Array<ZhEn & { n: number }>;
    decisionRule: ZhEn;
    evidence: { zh: string[]; en: string[] };
  };
  objectCategories: ObjectCategory[];
  weight: 'key' | 'important' | 'general';
  weightValue: number;
  domains: Domain[];
  cloudResponsibility: 'provider' | 'shared' | 'tenant';
  source: string;
  verified: boolean;
  note?: string;
}

export interface HighRiskCase {
  id: string;
  extension: 'general' | 'cloud' | 'mobile' | 'iot' | 'ics';
  layer: LayerCode;
  controlPoint: string;
  title: ZhEn;
  scope: string;
  scopeNote: string | null;
  minLevel: number;
  annexARow: number;
  clauses: Array<{ level: number; clause: string }>;
  description: ZhEn;
  mitigation: ZhEn;
  /** Test-unit codes the case concerns, resolved from its clauses. */
  units: string[];
  /** Clause references that do not resolve (levels or sets not in the catalogue). */
  unresolved: string[];
}

export interface ItemFilter {
  level?: number;
  set?: RequirementSet;
  layer?: LayerCode;
  domain?: Domain;
  controlPoint?: string;
  objectCategory?: ObjectCategory;
  weight?: 'key' | 'important' | 'general';
  q?: string;
}

export interface StructureLayer {
  code: LayerCode;
  zh: string;
  en: string;
  items: number;
  controlPoints: Array<{ zh: string; en: string; clause: string; order: number; items: number; codes: [string, string] }>;
}

const fold = (s: string) => s.normalize('NFKC').toLowerCase();

/** The loaded, immutable catalogue. */
export class Catalogue {
  readonly byCode: ReadonlyMap<string, CatalogueItem>;
  /** Text searched by `q`, per code: code, clause, zh and en text, control point names. */
  private readonly haystack: ReadonlyMap<string, string>;

  constructor(
    readonly meta: CatalogueMeta,
    readonly contentHash: string,
    readonly items: readonly CatalogueItem[],
    readonly highRiskCases: readonly HighRiskCase[],
    readonly highRiskSource: string,
    readonly highRiskPrinciples: readonly ZhEn[],
  ) {
    this.byCode = new Map(items.map((i) => [i.code, i]));
    this.haystack = new Map(
      items.map((i) => [
        i.code,
        fold([i.code, i.clause, i.text.zh, i.text.en, i.controlPoint.zh, i.controlPoint.en, i.layerName.zh, i.layerName.en].join('\n')),
      ]),
    );
    const casesByUnit = new Map<string, string[]>();
    for (const c of highRiskCases) for (const u of c.units) casesByUnit.set(u, [...(casesByUnit.get(u) ?? []), c.id]);
    this.casesByUnit = casesByUnit;
  }

  private readonly casesByUnit: ReadonlyMap<string, string[]>;

  /** Version identity: the declared version plus the first 12 hex digits of the content hash. */
  get version(): string {
    return `${this.meta.version}+${this.contentHash.slice(0, 12)}`;
  }

  highRiskCaseIds(code: string): string[] {
    return this.casesByUnit.get(code) ?? [];
  }

  /** Items in standard order (level, set, layer, control point, item) matching every filter. */
  query(filter: ItemFilter = {}): CatalogueItem[] {
    const q = filter.q?.trim() ?? '';
    // A clause ("8.1.4.1", "8.1.4.1 a)") or a code ("L3-CES1-0") is matched exactly or as a prefix;
    // anything else: every whitespace-separated term must occur (zh phrases match as one term).
    const clause = /^\d+(\.\d+)+(\s*[a-z]\)?)?$/i.exec(q) ? q.replace(/\s*([a-z])\)?$/i, ' $1)') : undefined;
    const code = /^L\d-/i.test(q) ? q.toUpperCase() : undefined;
    const terms = clause || code || !q ? [] : fold(q).split(/\s+/).filter(Boolean);
    return this.items.filter(
      (i) =>
        (filter.level === undefined || i.level === filter.level) &&
        (filter.set === undefined || i.set === filter.set) &&
        (filter.layer === undefined || i.layer === filter.layer) &&
        (filter.domain === undefined || i.domains.includes(filter.domain)) &&
        (filter.controlPoint === undefined || i.controlPoint.zh === filter.controlPoint || fold(i.controlPoint.en) === fold(filter.controlPoint)) &&
        (filter.objectCategory === undefined || i.objectCategories.includes(filter.objectCategory)) &&
        (filter.weight === undefined || i.weight === filter.weight) &&
        (!clause || i.clause === clause || i.controlPoint.clause === clause) &&
        (!code || i.code.startsWith(code)) &&
        terms.every((t) => this.haystack.get(i.code)!.includes(t)),
    );
  }

  /** Layers → control points → item counts for one level and set. */
  structure(level: number, set: RequirementSet): StructureLayer[] {
    const layers: StructureLayer[] = [];
    for (const item of this.query({ level, set })) {
      let layer = layers.find((l) => l.code === item.layer);
      if (!layer) {
        layer = { code: item.layer, zh: item.layerName.zh, en: item.layerName.en, items: 0, controlPoints: [] };
        layers.push(layer);
      }
      let cp = layer.controlPoints.find((c) => c.order === item.controlPoint.order);
      if (!cp) {
        cp = { ...item.controlPoint, items: 0, codes: [item.code, item.code] };
        layer.controlPoints.push(cp);
      }
      cp.items++;
      cp.codes[1] = item.code;
      layer.items++;
    }
    return layers;
  }

  /** Per level/set/layer/control point counts, in the shape of controls/expected-counts.yaml. */
  counts(): Record<string, Record<string, Record<string, Record<string, number>>>> {
    const out: Record<string, Record<string, Record<string, Record<string, number>>>> = {};
    for (const i of this.items) {
      const layer = (((out[`level${i.level}`] ??= {})[i.set] ??= {})[i.layer] ??= {});
      layer[i.controlPoint.zh] = (layer[i.controlPoint.zh] ?? 0) + 1;
    }
    return out;
  }
}
