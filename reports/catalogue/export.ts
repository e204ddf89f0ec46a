import type ExcelJS from 'exceljs';
import { lazy } from '../../server/lazy.js';
import type { Catalogue, CatalogueItem } from '../../server/catalogue/index.js';

const excel = lazy<typeof ExcelJS>('exceljs');

/** One flat row per test unit: what the JSON, CSV and xlsx exports share. */
export interface CatalogueRow {
  code: string;
  clause: string;
  level: number;
  set: string;
  layer: string;
  layerZh: string;
  controlPointZh: string;
  controlPointEn: string;
  textZh: string;
  textEn: string;
  methods: string;
  stepsZh: string;
  stepsEn: string;
  evidenceZh: string;
  evidenceEn: string;
  objectCategories: string;
  weight: string;
  weightValue: number;
  domains: string;
  cloudResponsibility: string;
  highRiskCases: string;
  verified: boolean;
}

const COLUMNS: Array<{ key: keyof CatalogueRow; header: string; width: number }> = [
  { key: 'code', header: '测评单元编号 Code', width: 14 },
  { key: 'clause', header: '条款 Clause', width: 12 },
  { key: 'level', header: '等级 Level', width: 8 },
  { key: 'set', header: '要求类别 Set', width: 10 },
  { key: 'layer', header: '层面 Layer', width: 8 },
  { key: 'layerZh', header: '层面名称', width: 14 },
  { key: 'controlPointZh', header: '控制点', width: 16 },
  { key: 'controlPointEn', header: 'Control point', width: 22 },
  { key: 'textZh', header: '测评项', width: 60 },
  { key: 'textEn', header: 'Requirement', width: 60 },
  { key: 'methods', header: '测评方法 Methods', width: 16 },
  { key: 'stepsZh', header: '测评实施', width: 60 },
  { key: 'stepsEn', header: 'Test steps', width: 60 },
  { key: 'evidenceZh', header: '典型证据', width: 30 },
  { key: 'evidenceEn', header: 'Typical evidence', width: 30 },
  { key: 'objectCategories', header: '测评对象类别 Object categories', width: 30 },
  { key: 'weight', header: '重要程度 Weight', width: 12 },
  { key: 'weightValue', header: '权重 Value', width: 8 },
  { key: 'domains', header: '领域 Domains', width: 14 },
  { key: 'cloudResponsibility', header: '云上责任 Cloud responsibility', width: 14 },
  { key: 'highRiskCases', header: '高风险判例 High-risk cases', width: 16 },
  { key: 'verified', header: '已核实 Verified', width: 8 },
];

const METHOD_ZH = { interview: '访谈', inspection: '核查', testing: '测试' } as const;

export function toRow(catalogue: Catalogue, i: CatalogueItem): CatalogueRow {
  return {
    code: i.code,
    clause: i.clause,
    level: i.level,
    set: i.set,
    layer: i.layer,
    layerZh: i.layerName.zh,
    controlPointZh: i.controlPoint.zh,
    controlPointEn: i.controlPoint.en,
    textZh: i.text.zh,
    textEn: i.text.en,
    methods: i.test.methods.map((m) => METHOD_ZH[m]).join('/'),
    stepsZh: i.test.steps.map((s) => `${s.n}) ${s.zh}`).join('\n'),
    stepsEn: i.test.steps.map((s) => `${s.n}) ${s.en}`).join('\n'),
    evidenceZh: i.test.evidence.zh.join('；'),
    evidenceEn: i.test.evidence.en.join('; '),
    objectCategories: i.objectCategories.join(', '),
    weight: i.weight,
    weightValue: i.weightValue,
    domains: i.domains.join(', '),
    cloudResponsibility: i.cloudResponsibility,
    highRiskCases: catalogue.highRiskCaseIds(i.code).join(', '),
    verified: i.verified,
  };
}

const csvCell = (v: unknown): string => {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** CSV with a UTF-8 byte-order mark, so Excel opens the Chinese text correctly. */
export function catalogueCsv(catalogue: Catalogue, items: readonly CatalogueItem[]): string {
  const lines = [COLUMNS.map((c) => csvCell(c.header)).join(',')];
  for (const i of items) {
    const row = toRow(catalogue, i);
    lines.push(COLUMNS.map((c) => csvCell(row[c.key])).join(','));
  }
  return '\uFEFF' + lines.join('\r\n') + '\r\n';
}

export function catalogueJson(catalogue: Catalogue, items: readonly CatalogueItem[]): string {
  return JSON.stringify({ catalogue: { id: catalogue.meta.id, version: catalogue.version }, items }, null, 2) + '\n';
}

/** An xlsx workbook with one sheet of units (frozen header, filters, wrapped text). */
export async function catalogueXlsx(catalogue: Catalogue, items: readonly CatalogueItem[], title: string): Promise<Buffer> {
  const wb = new (excel().Workbook)();
  wb.creator = 'dengbao';
  wb.title = title;
  const ws = wb.addWorksheet('测评项 Units', { views: [{ state: 'frozen', ySplit: 1, xSplit: 1 }] });
  ws.columns = COLUMNS.map((c) => ({ key: c.key, header: c.header, width: c.width }));
  for (const i of items) ws.addRow(toRow(catalogue, i));
  ws.getRow(1).font = { bold: true };
  ws.autoFilter = { from: { row: 1, column: 1 }, to: { row: 1, column: COLUMNS.length } };
  ws.eachRow((row, n) => {
    if (n > 1) row.alignment = { vertical: 'top', wrapText: true };
  });
  const about = wb.addWorksheet('说明 About');
  about.addRows([
    ['Catalogue', catalogue.meta.name.zh],
    ['Version', catalogue.version],
    ['Units', items.length],
    ['Decision rule', catalogue.meta.decisionRule.zh],
    ['Weights', catalogue.meta.weightSource],
  ]);
  about.getColumn(1).width = 16;
  about.getColumn(2).width = 100;
  return Buffer.from(await wb.xlsx.writeBuffer());
}
