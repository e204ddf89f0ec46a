import type { CatalogueItem } from '../catalogue/index.js';

/**
 * The workspace's page model, computed from rows loaded once: the layer tree with progress per
 * layer and control point, and which rows one page shows. A page is one control point of a layer
 * (or, with an object chosen, that object's rows in the layer), so a 487-row layer is never sent
 * at once.
 */
export interface WsRow {
  id: string;
  code: string;
  objectKey: string;
  value: string;
  record: string | null;
  methods: string | null;
  inherited: unknown;
  rowVersion: number;
  outsideMapping: unknown;
}

export interface ControlPoint {
  /** Index of the control point within its layer (the page's `cp` parameter). */
  index: number;
  key: string;
  units: CatalogueItem[];
  total: number;
  assessed: number;
}

const assessed = (rows: WsRow[]) => rows.filter((r) => r.value !== 'not_assessed').length;

/** Control points of a layer in standard order; a control point is set + name (the cloud set has its own 访问控制…). */
export function controlPoints(units: readonly CatalogueItem[], rows: WsRow[], layer: string): ControlPoint[] {
  const out: ControlPoint[] = [];
  const byCode = new Map<string, WsRow[]>();
  for (const r of rows) byCode.set(r.code, [...(byCode.get(r.code) ?? []), r]);
  for (const u of units.filter((x) => x.layer === layer)) {
    const key = `${u.set}|${u.controlPoint.zh}`;
    let cp = out.find((c) => c.key === key);
    if (!cp) out.push((cp = { index: out.length, key, units: [], total: 0, assessed: 0 }));
    cp.units.push(u);
    const rs = byCode.get(u.code) ?? [];
    cp.total += rs.length;
    cp.assessed += assessed(rs);
  }
  return out;
}

export interface PageChoice {
  layer: string;
  objectId: string;
  filter: '' | 'unassessed' | 'nonconforming';
  cp?: number;
}

export const matchesFilter = (r: WsRow, filter: PageChoice['filter']) =>
  (filter !== 'unassessed' || r.value === 'not_assessed') && (filter !== 'nonconforming' || r.value === 'nonconform' || r.value === 'partial');

/**
 * Which control point a page shows: the one asked for, else the first with rows matching the
 * filter that still has work to do, else the first with matching rows.
 */
export function chooseControlPoint(cps: ControlPoint[], rows: WsRow[], choice: PageChoice): ControlPoint | undefined {
  if (choice.cp !== undefined && cps[choice.cp]) return cps[choice.cp];
  const codesOf = (cp: ControlPoint) => new Set(cp.units.map((u) => u.code));
  const matching = cps.filter((cp) => {
    const codes = codesOf(cp);
    return rows.some((r) => codes.has(r.code) && matchesFilter(r, choice.filter) && (!choice.objectId || r.objectKey === choice.objectId));
  });
  return matching.find((cp) => cp.assessed < cp.total) ?? matching[0] ?? cps[0];
}

/** Rows per page when a filter or an object narrows the layer: consecutive control points fill a page up to this. */
export const FILTERED_PAGE_ROWS = 60;

/**
 * The control points one page shows. Unfiltered: one. Filtered (unassessed, non-conforming, one
 * object): the matching rows are few and spread out, so consecutive control points with matching
 * rows share a page up to FILTERED_PAGE_ROWS rows. `prev`/`next` are the neighbouring pages' starts.
 */
export function pageOf(cps: ControlPoint[], rows: WsRow[], choice: PageChoice): { cps: ControlPoint[]; prev?: number; next?: number } {
  const first = chooseControlPoint(cps, rows, choice);
  if (!first) return { cps: [] };
  if (!choice.filter && !choice.objectId) {
    return { cps: [first], prev: first.index > 0 ? first.index - 1 : undefined, next: first.index < cps.length - 1 ? first.index + 1 : undefined };
  }
  const count = (cp: ControlPoint) => {
    const codes = new Set(cp.units.map((u) => u.code));
    return rows.filter((r) => codes.has(r.code) && matchesFilter(r, choice.filter) && (!choice.objectId || r.objectKey === choice.objectId)).length;
  };
  const matching = cps.filter((cp) => count(cp) > 0);
  const page: ControlPoint[] = [first];
  let n = count(first);
  let i = cps.indexOf(first) + 1;
  for (; i < cps.length; i++) {
    const c = count(cps[i]!);
    if (!c) continue;
    if (n + c > FILTERED_PAGE_ROWS) break;
    page.push(cps[i]!);
    n += c;
  }
  const next = matching.find((cp) => cp.index >= i && !page.includes(cp));
  const prev = [...matching].reverse().find((cp) => cp.index < first.index);
  return { cps: page, prev: prev?.index, next: next?.index };
}

/** Rows per page beyond which a control point is shown a group of objects at a time. */
export const PART_PAGE_ROWS = 100;

export interface ObjectParts {
  /** 1-based, clamped to the parts there are. */
  part: number;
  count: number;
  /** The objects of this part (1-based positions from…to of total, in name order). */
  keys: Set<string>;
  from: number;
  to: number;
  total: number;
}

/**
 * Splits a page's rows by object when there are more than PART_PAGE_ROWS: objects in name order
 * (the whole system first), as many per part as keep each unit's rows × units within the bound.
 * Undefined when the page is small enough to show whole.
 */
export function objectParts(rows: WsRow[], units: number, nameOf: (key: string) => string, part: number | undefined): ObjectParts | undefined {
  if (rows.length <= PART_PAGE_ROWS) return undefined;
  const keys = [...new Set(rows.map((r) => r.objectKey))].sort((a, b) => (a === 'system' ? -1 : b === 'system' ? 1 : nameOf(a).localeCompare(nameOf(b)) || a.localeCompare(b)));
  const per = Math.max(1, Math.floor(PART_PAGE_ROWS / Math.max(1, units)));
  const count = Math.ceil(keys.length / per);
  const p = Math.min(Math.max(1, part ?? 1), count);
  const slice = keys.slice((p - 1) * per, p * per);
  return { part: p, count, keys: new Set(slice), from: (p - 1) * per + 1, to: (p - 1) * per + slice.length, total: keys.length };
}
