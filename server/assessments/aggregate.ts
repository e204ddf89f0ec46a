/**
 * Aggregation of assessment results — the one rule set, in one module (no I/O):
 *
 * 1. A unit's value over its objects: all rows 不适用 → na; otherwise, over the applicable rows,
 *    all 符合 → conform, all 不符合 → nonconform, anything else → partial. A unit with any row
 *    still not assessed is incomplete and left out of rates until it is complete.
 * 2. A group (control point — keyed by requirement set + layer + order, since every set numbers its
 *    control points from 1 —, layer, seed domain, overall) counts its units by value; its rate is
 *    (conform + partialCredit × partial) ÷ applicable units (complete units that are not na).
 *    partialCredit comes from the conclusion scheme.
 * 3. Seed domains: a unit belongs to its layer's domain; a CES unit counts under device for its
 *    rows on device objects and under application for its rows on application/data objects
 *    (system-wide rows count under each of the unit's domains).
 * 4. Progress at every level: assessed rows ÷ all rows.
 */
export type ResultValue = 'not_assessed' | 'conform' | 'partial' | 'nonconform' | 'na';
export type UnitValue = Exclude<ResultValue, 'not_assessed'>;

export interface UnitInfo {
  code: string;
  /** Requirement set (general, cloud…): each set numbers its control points from 1, so a control point is set + layer + order. */
  set: string;
  setOrder: number;
  layer: string;
  layerOrder: number;
  controlPoint: { zh: string; en: string; order: number };
  domains: string[];
  weight: 'key' | 'important' | 'general';
}

export interface ResultRow {
  code: string;
  objectKey: string; // object id or "system"
  value: ResultValue;
}

export interface GroupStats {
  units: number;
  complete: number;
  counts: Record<UnitValue, number>;
  applicable: number;
  rate: number | null; // null when nothing applicable is assessed yet
  progress: { assessed: number; total: number };
}

export interface UnitAggregate {
  code: string;
  value: UnitValue | null; // null while incomplete
  partialValue: UnitValue | null; // over the rows assessed so far
  complete: boolean;
  rows: number;
  assessedRows: number;
}

export interface Aggregation {
  units: UnitAggregate[];
  overall: GroupStats;
  byLayer: Array<GroupStats & { layer: string }>;
  byControlPoint: Array<GroupStats & { set: string; layer: string; controlPoint: { zh: string; en: string } }>;
  byDomain: Array<GroupStats & { domain: string }>;
  resultCounts: Record<ResultValue, number>;
}

export function unitValue(values: readonly ResultValue[]): UnitValue | null {
  const assessed = values.filter((v): v is UnitValue => v !== 'not_assessed');
  if (!assessed.length) return null;
  const applicable = assessed.filter((v) => v !== 'na');
  if (!applicable.length) return 'na';
  if (applicable.every((v) => v === 'conform')) return 'conform';
  if (applicable.every((v) => v === 'nonconform')) return 'nonconform';
  return 'partial';
}

function emptyStats(): GroupStats {
  return { units: 0, complete: 0, counts: { conform: 0, partial: 0, nonconform: 0, na: 0 }, applicable: 0, rate: null, progress: { assessed: 0, total: 0 } };
}

function add(stats: GroupStats, values: readonly ResultValue[]): void {
  stats.units++;
  stats.progress.total += values.length;
  stats.progress.assessed += values.filter((v) => v !== 'not_assessed').length;
  if (values.some((v) => v === 'not_assessed') || !values.length) return;
  const v = unitValue(values)!;
  stats.complete++;
  stats.counts[v]++;
}

function finish(stats: GroupStats, partialCredit: number): GroupStats {
  stats.applicable = stats.counts.conform + stats.counts.partial + stats.counts.nonconform;
  stats.rate = stats.applicable ? (stats.counts.conform + partialCredit * stats.counts.partial) / stats.applicable : null;
  return stats;
}

export function aggregate(
  units: readonly UnitInfo[],
  results: readonly ResultRow[],
  objectDomain: (objectKey: string) => string | null,
  partialCredit: number,
): Aggregation {
  const rowsByUnit = new Map<string, ResultRow[]>();
  for (const r of results) rowsByUnit.set(r.code, [...(rowsByUnit.get(r.code) ?? []), r]);
  const overall = emptyStats();
  const layers = new Map<string, GroupStats & { layer: string; order: number }>();
  const points = new Map<string, GroupStats & { set: string; layer: string; controlPoint: { zh: string; en: string }; order: [number, number, number] }>();
  const domains = new Map<string, GroupStats & { domain: string }>();
  const resultCounts: Record<ResultValue, number> = { not_assessed: 0, conform: 0, partial: 0, nonconform: 0, na: 0 };
  const unitAggs: UnitAggregate[] = [];

  for (const u of units) {
    const rows = rowsByUnit.get(u.code) ?? [];
    const values = rows.map((r) => r.value);
    for (const v of values) resultCounts[v]++;
    const complete = values.length > 0 && !values.includes('not_assessed');
    unitAggs.push({ code: u.code, value: complete ? unitValue(values) : null, partialValue: unitValue(values), complete, rows: rows.length, assessedRows: values.filter((v) => v !== 'not_assessed').length });
    add(overall, values);
    const layer = layers.get(u.layer) ?? { ...emptyStats(), layer: u.layer, order: u.layerOrder };
    layers.set(u.layer, layer);
    add(layer, values);
    const key = `${u.set}|${u.layer}|${u.controlPoint.order}`;
    const point = points.get(key) ?? { ...emptyStats(), set: u.set, layer: u.layer, controlPoint: { zh: u.controlPoint.zh, en: u.controlPoint.en }, order: [u.layerOrder, u.setOrder, u.controlPoint.order] };
    points.set(key, point);
    add(point, values);
    for (const d of u.domains) {
      const own = u.domains.length > 1 ? rows.filter((r) => r.objectKey === 'system' || objectDomain(r.objectKey) === d) : rows;
      if (!own.length) continue;
      const dom = domains.get(d) ?? { ...emptyStats(), domain: d };
      domains.set(d, dom);
      add(dom, own.map((r) => r.value));
    }
  }
  const DOMAIN_ORDER = ['physical', 'network', 'device', 'application', 'management'];
  return {
    units: unitAggs,
    overall: finish(overall, partialCredit),
    byLayer: [...layers.values()].sort((a, b) => a.order - b.order).map(({ order: _o, ...l }) => finish(l, partialCredit) as GroupStats & { layer: string }),
    byControlPoint: [...points.values()]
      .sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1] || a.order[2] - b.order[2])
      .map(({ order: _o, ...p }) => finish(p, partialCredit) as GroupStats & { set: string; layer: string; controlPoint: { zh: string; en: string } }),
    byDomain: [...domains.values()].sort((a, b) => DOMAIN_ORDER.indexOf(a.domain) - DOMAIN_ORDER.indexOf(b.domain)).map((d) => finish(d, partialCredit) as GroupStats & { domain: string }),
    resultCounts,
  };
}
