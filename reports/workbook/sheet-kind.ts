import type { LayerCode } from '../../server/catalogue/schema.js';
import type { WorkbookData, WorkbookObject } from './data.js';
import { planSheets } from './export.js';
import { isCloudLabel, layerOfSheet } from './layout.js';
import { normaliseText, sanitiseSheetName } from './text.js';

/**
 * What a sheet of a field workbook holds, from its name (spacing and punctuation ignored) and its
 * row-1 line:
 * - a layer sheet (中心机房, 系统边界, 安全管理制度… and 安全计算环境 for whole-system rows);
 * - the whole-system sheet of cloud-extension computing-environment items (安全计算环境云扩展,
 *   计算环境云扩展, 云计算扩展-安全计算环境…): rows are judged once for the system;
 * - an object sheet (安全计算环境 of one assessed object), matched by the object's name first.
 *   IPs in row 1 are shared by several objects in real workbooks, so the IP decides only between
 *   objects of the same name, or when no object has the sheet's name and exactly one has the IP.
 */
export type SheetKind =
  | { kind: 'layer'; layer: LayerCode; wholeSystem: boolean }
  | { kind: 'object'; layer: 'CES'; object: WorkbookObject; by: 'name' | 'ip' }
  | { kind: 'unknown' };

export function sheetKinds(data: WorkbookData): (name: string, firstLine: string, headerRow: number) => SheetKind {
  const byName = new Map<string, WorkbookObject[]>();
  const add = (name: string, o: WorkbookObject) => {
    const k = normaliseText(name);
    const list = byName.get(k) ?? [];
    if (!list.includes(o)) byName.set(k, [...list, o]);
  };
  for (const o of data.objects) for (const n of [o.name, sanitiseSheetName(o.name)]) add(n, o);
  // The names the export gives object sheets (made unique with " (2)"…).
  for (const lang of ['zh-CN', 'en'] as const) for (const s of planSheets(data, lang)) if (s.object) add(s.name, s.object);

  return (name, firstLine, headerRow) => {
    const layer = layerOfSheet(name);
    if (layer) return { kind: 'layer', layer, wholeSystem: false };
    const n = normaliseText(name);
    if ((n.includes('计算环境') || n.includes('computingenvironment')) && isCloudLabel(name)) return { kind: 'layer', layer: 'CES', wholeSystem: true };
    const ip = headerRow > 1 ? /IP\s*[:：]\s*([0-9A-Fa-f.:]+)/.exec(firstLine)?.[1] : undefined;
    const named = byName.get(n) ?? [];
    if (named.length === 1) return { kind: 'object', layer: 'CES', object: named[0]!, by: 'name' };
    if (named.length > 1) {
      const same = ip ? named.filter((o) => o.ip?.trim() === ip) : [];
      return same.length === 1 ? { kind: 'object', layer: 'CES', object: same[0]!, by: 'ip' } : { kind: 'unknown' };
    }
    const byIp = ip ? data.objects.filter((o) => o.ip?.trim() === ip) : [];
    return byIp.length === 1 ? { kind: 'object', layer: 'CES', object: byIp[0]!, by: 'ip' } : { kind: 'unknown' };
  };
}
