import type { LayerCode } from '../../server/catalogue/schema.js';
import { normaliseText } from './text.js';

/**
 * The record-workbook layout shared by export and import (see docs/reference/workbook-format.md
 * for the field layout it follows).
 *
 * - Object sheets (安全计算环境, one per assessed object): row 1 "IP：…  版本：…" merged A:E,
 *   header in row 2, data from row 3.
 * - Layer sheets (中心机房, 安全通信网络, 系统边界, 安全管理中心, the five management layers, and
 *   安全计算环境 for computing-environment units answered once for the whole system): header in
 *   row 1, data from row 2.
 * - Columns: A 扩展标准, B 控制点, C 测评项, D 结果记录, E 符合情况; hidden machine columns
 *   F unit code, G object id ("system" for whole-system rows), H row version; on layer sheets a
 *   visible column I 测评对象 names the object of per-object rows (e.g. PES units answered per
 *   machine room, SMC units per management platform) and is empty for whole-system rows.
 */

export type Lang = 'zh-CN' | 'en';
export type ResultValue = 'not_assessed' | 'conform' | 'partial' | 'nonconform' | 'na';

export const COL = { set: 1, controlPoint: 2, text: 3, record: 4, result: 5, code: 6, objectId: 7, rowVersion: 8, object: 9 } as const;
export const COL_LETTER = { set: 'A', controlPoint: 'B', text: 'C', record: 'D', result: 'E', code: 'F', objectId: 'G', rowVersion: 'H', object: 'I' } as const;

export const HEADERS: Record<Lang, { set: string; controlPoint: string; text: string; record: string; result: string; code: string; objectId: string; rowVersion: string; object: string }> = {
  'zh-CN': { set: '扩展标准', controlPoint: '控制点', text: '测评项', record: '结果记录', result: '符合情况', code: 'code', objectId: 'objectId', rowVersion: 'rowVersion', object: '测评对象' },
  en: { set: 'Requirement set', controlPoint: 'Control point', text: 'Requirement', record: 'Record', result: 'Result', code: 'code', objectId: 'objectId', rowVersion: 'rowVersion', object: 'Assessed object' },
};

export const SET_LABELS: Record<Lang, Record<'general' | 'cloud' | 'mobile' | 'iot' | 'ics', string>> = {
  'zh-CN': { general: '安全通用要求', cloud: '云计算安全扩展要求', mobile: '移动互联安全扩展要求', iot: '物联网安全扩展要求', ics: '工业控制系统安全扩展要求' },
  en: { general: 'General requirements', cloud: 'Cloud computing extension', mobile: 'Mobile internet extension', iot: 'IoT extension', ics: 'Industrial control extension' },
};

export const RESULT_LABELS: Record<Lang, Record<Exclude<ResultValue, 'not_assessed'>, string>> = {
  'zh-CN': { conform: '符合', partial: '部分符合', nonconform: '不符合', na: '不适用' },
  en: { conform: 'Conforms', partial: 'Partly', nonconform: 'Does not conform', na: 'Not applicable' },
};

/** ARGB fills of the result cell. */
export const RESULT_FILLS: Record<Exclude<ResultValue, 'not_assessed'>, string> = {
  conform: 'FFC6EFCE', // green
  partial: 'FFFFEB9C', // yellow
  nonconform: 'FFFFC7CE', // red
  na: 'FFD9D9D9', // grey
};

/** Sheet names of whole-system layers, in workbook order (CES only for whole-system CES rows). */
export const LAYER_SHEETS: Record<Lang, Record<LayerCode, string>> = {
  'zh-CN': {
    PES: '中心机房',
    CNS: '安全通信网络',
    ABS: '系统边界',
    CES: '安全计算环境',
    SMC: '安全管理中心',
    PSS: '安全管理制度',
    ORS: '安全管理机构',
    HRS: '安全管理人员',
    CMS: '安全建设管理',
    MMS: '安全运维管理',
  },
  en: {
    PES: 'Machine room',
    CNS: 'Communication network',
    ABS: 'Area boundary',
    CES: 'Computing environment',
    SMC: 'Security management centre',
    PSS: 'Security policies',
    ORS: 'Security organisation',
    HRS: 'Security personnel',
    CMS: 'Construction management',
    MMS: 'Operation and maintenance',
  },
};

export const LISTS_SHEET = '_lists';

/** Other names a layer sheet goes by in workbooks made elsewhere (normalised when compared). */
const LAYER_ALIASES: Record<LayerCode, string[]> = {
  PES: ['机房', '安全物理环境', '物理环境', '物理安全', 'Physical environment'],
  CNS: ['通信网络', '网络架构', 'Communication network'],
  ABS: ['安全区域边界', '区域边界', '边界', 'Boundary', 'Area boundary'],
  CES: ['计算环境', 'Computing environment'],
  SMC: ['管理中心', 'Security management center', 'Management centre', 'Management center'],
  PSS: ['管理制度', 'Security policies and rules', 'Policies'],
  ORS: ['管理机构', 'Organisation', 'Organization', 'Security organization'],
  HRS: ['管理人员', '人员安全管理', 'Personnel'],
  CMS: ['建设管理', '系统建设管理', 'Security construction management'],
  MMS: ['运维管理', '系统运维管理', 'Security operation and maintenance management', 'Operations'],
};

const LAYER_BY_SHEET = new Map<string, LayerCode>();
for (const lang of ['zh-CN', 'en'] as const) for (const [code, name] of Object.entries(LAYER_SHEETS[lang])) LAYER_BY_SHEET.set(normaliseText(name), code as LayerCode);
for (const [code, names] of Object.entries(LAYER_ALIASES)) for (const n of names) if (!LAYER_BY_SHEET.has(normaliseText(n))) LAYER_BY_SHEET.set(normaliseText(n), code as LayerCode);

/** The layer a sheet holds, from its name (any of the names above, spacing and punctuation ignored). */
export function layerOfSheet(name: string): LayerCode | undefined {
  return LAYER_BY_SHEET.get(normaliseText(name));
}

/** Header spellings seen in the field (and both languages of the export), normalised. */
const HEADER_ALIASES: Record<keyof typeof COL, string[]> = {
  set: ['扩展标准', '扩展类型', '要求类别', '标准类别', 'Requirement set', 'Extension', 'Set'],
  controlPoint: ['控制点', 'Control point'],
  text: ['测评项', '测评指标', '要求项', 'Requirement', 'Requirement text', 'Test item'],
  record: ['结果记录', '测评结果记录', '记录', 'Record', 'Result record', 'Finding'],
  result: ['符合情况', '符合程度', '符合性', '判定结果', 'Result', 'Conformity'],
  code: ['code', '测评单元编号'],
  objectId: ['objectId', 'object id'],
  rowVersion: ['rowVersion', 'row version'],
  object: ['测评对象', 'Assessed object', 'Object'],
};
const HEADER_BY_TEXT = new Map<string, keyof typeof COL>();
for (const [k, names] of Object.entries(HEADER_ALIASES)) for (const n of names) HEADER_BY_TEXT.set(normaliseText(n), k as keyof typeof COL);

export function headerKey(text: unknown): keyof typeof COL | undefined {
  return HEADER_BY_TEXT.get(normaliseText(text));
}

/** Result labels accepted on import (both languages and common variants), normalised → value. */
const RESULT_BY_LABEL = new Map<string, ResultValue>();
for (const lang of ['zh-CN', 'en'] as const) for (const [v, label] of Object.entries(RESULT_LABELS[lang])) RESULT_BY_LABEL.set(normaliseText(label), v as ResultValue);
for (const [label, v] of Object.entries({
  部分: 'partial',
  'Partly conforms': 'partial',
  'Partially conforms': 'partial',
  Partial: 'partial',
  Conform: 'conform',
  Conformant: 'conform',
  Nonconform: 'nonconform',
  'Non-conforming': 'nonconform',
  'Not conform': 'nonconform',
  'N/A': 'na',
  NA: 'na',
  未测: 'not_assessed',
  未测评: 'not_assessed',
  'Not assessed': 'not_assessed',
} as Record<string, ResultValue>)) RESULT_BY_LABEL.set(normaliseText(label), v);

/** The result value of an E cell: '' → not_assessed; undefined when the label is unknown. */
export function parseResultLabel(text: string): ResultValue | undefined {
  if (text.trim() === '') return 'not_assessed';
  return RESULT_BY_LABEL.get(normaliseText(text));
}

export const isCloudLabel = (text: string): boolean => /云|cloud/i.test(text);
