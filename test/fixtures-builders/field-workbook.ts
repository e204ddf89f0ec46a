import ExcelJS from 'exceljs';
import { shippedCatalogue, type CatalogueItem } from '../../server/catalogue/index.js';

/**
 * Builds record workbooks the way assessment organisations' tools lay them out (see the README's
 * "Record workbook (xlsx)"): object sheets with a row-1 `IP：…  版本：…` line merged A:E and the
 * header in row 2, layer sheets with the header in row 1; columns A 扩展标准, B 控制点, C 测评项
 * (with the item letter in one of the field's spellings), D 结果记录, E 符合情况/符合程度, hidden
 * F weight text and G numeric key without header; A/B merged over blocks or left blank below the
 * first row; reviewers' comments on D/E. No dengbao machine columns.
 */

export interface FieldRow {
  /** The unit the row was written from ('' for a row that matches nothing). */
  code: string;
  setLabel: string;
  controlPoint: string;
  /** Requirement text as written (item letter included). */
  text: string;
  record: string;
  result: string;
  weight?: string;
  key?: number;
  comment?: { column: 'D' | 'E'; text: string };
  /** For a row copied from another sheet: where the original is (sheet name, filled in on build). */
  copyOf?: { sheet: string; index: number };
}

export interface FieldSheet {
  name: string;
  /** Object sheets: the row-1 line, e.g. `IP：10.0.0.1  版本：V5.1`. */
  firstLine?: string;
  resultHeader: '符合情况' | '符合程度';
  controlPointHeader: '控制点' | '控制点 ';
  /** merge: A/B merged over blocks; blank: only the first row of a block holds A/B. */
  fill: 'merge' | 'blank';
  rows: FieldRow[];
}

/** Where each built row landed: sheet name and Excel row. */
export interface BuiltRow {
  sheet: string;
  row: number;
  spec: FieldRow;
}

export async function buildFieldWorkbook(sheets: FieldSheet[]): Promise<{ buffer: Buffer; rows: BuiltRow[] }> {
  const wb = new ExcelJS.Workbook();
  const rows: BuiltRow[] = [];
  for (const s of sheets) {
    const ws = wb.addWorksheet(s.name);
    let header = 1;
    if (s.firstLine !== undefined) {
      ws.getCell('A1').value = s.firstLine;
      ws.mergeCells('A1:E1');
      header = 2;
    }
    ws.getRow(header).values = ['扩展标准', s.controlPointHeader, '测评项', '结果记录', s.resultHeader];
    ws.getColumn(6).hidden = true;
    ws.getColumn(7).hidden = true;
    let r = header + 1;
    let setStart = r;
    let cpStart = r;
    const close = (col: number, from: number, to: number) => {
      if (s.fill === 'merge' && to > from) ws.mergeCells(from, col, to, col);
    };
    s.rows.forEach((spec, i) => {
      const prev = s.rows[i - 1];
      const row = ws.getRow(r);
      const newSet = !prev || prev.setLabel !== spec.setLabel;
      const newCp = newSet || prev!.controlPoint !== spec.controlPoint;
      if (newSet) {
        close(1, setStart, r - 1);
        setStart = r;
        row.getCell(1).value = spec.setLabel;
      }
      if (newCp) {
        close(2, cpStart, r - 1);
        cpStart = r;
        row.getCell(2).value = spec.controlPoint;
      }
      row.getCell(3).value = spec.text;
      if (spec.record) row.getCell(4).value = spec.record;
      if (spec.result) row.getCell(5).value = spec.result;
      if (spec.weight !== undefined) row.getCell(6).value = spec.weight;
      if (spec.key !== undefined) row.getCell(7).value = spec.key;
      if (spec.comment) ws.getCell(`${spec.comment.column}${r}`).note = spec.comment.text;
      rows.push({ sheet: s.name, row: r, spec });
      r++;
    });
    close(1, setStart, r - 1);
    close(2, cpStart, r - 1);
  }
  return { buffer: Buffer.from(await wb.xlsx.writeBuffer()), rows };
}

const LETTERS = [(l: string) => `${l}）`, (l: string) => `${l}) `, (l: string) => `${l}.`, (l: string) => `（${l}）`, (l: string) => ` ${l} ）`, (l: string) => `( ${l} )`];
export const VALUES = ['符合', '部分符合', '不符合', '不适用'] as const;
const WEIGHT_TEXT = { key: '1.00', important: '0.70', general: '0.40' } as const;
const CLOUD_LABELS = ['云计算安全扩展要求', '云计算扩展', ''];

/** Small wording variants seen in the field (the two known ones, plus a dropped 应 or an added 等). */
export function fieldWording(text: string, n: number): string {
  if (text.includes('对审计记录进行分析')) return text.replace('对审计记录进行分析', '对审计记录应进行分析');
  if (text.includes('应保证供应商的重要变更')) return text.replace('应保证供应商的重要变更', '应将供应商的重要变更');
  if (n % 11 === 4 && text.startsWith('应')) return text.slice(1);
  if (n % 11 === 8 && text.endsWith('。')) return `${text.slice(0, -1)}等。`;
  return text;
}

export interface FieldObject {
  name: string;
  ip: string | null;
  /** The sheet name as the field writes it (stray spaces). */
  sheet: string;
}

/**
 * A whole field workbook for an assessment at `level` with the general and cloud sets: every
 * layer sheet (cloud rows after the general ones), every 安全计算环境 item on every object sheet
 * (field practice, whatever the catalogue's mapping), the cloud computing-environment items on one
 * whole-system sheet, three 安全通信网络 rows copied into 系统边界's cloud block, and one row that
 * matches nothing. Values and records vary row by row.
 */
export function fieldWorkbookPlan(level: number, objects: FieldObject[]): FieldSheet[] {
  const items = shippedCatalogue()
    .query({ level })
    .filter((u) => u.set === 'general' || u.set === 'cloud')
    .sort((a, b) => Number(a.set === 'cloud') - Number(b.set === 'cloud') || a.layerOrder - b.layerOrder || a.controlPoint.order - b.controlPoint.order || a.order - b.order);
  let n = 0;
  const row = (u: CatalogueItem, sheet: string): FieldRow => {
    n++;
    const letter = String.fromCharCode(97 + u.order - 1);
    const single = items.filter((x) => x.set === u.set && x.layer === u.layer && x.controlPoint.order === u.controlPoint.order).length === 1;
    const records = [
      `${sheet.trim()}：已核查，${u.controlPoint.zh}配置截图见附件 ${n}。`,
      `访谈管理员：\n1. 已制定策略；\n2. 未见记录。 `,
      `=已核查 ${n}（以等号开头的记录）`,
      `核查结果 ${n} 🙂 全角，标点；  `,
    ];
    return {
      code: u.code,
      setLabel: u.set === 'cloud' ? CLOUD_LABELS[n % CLOUD_LABELS.length]! : '安全通用要求',
      controlPoint: n % 5 === 0 ? `${u.controlPoint.zh} ` : u.controlPoint.zh,
      text: (single ? '' : LETTERS[n % LETTERS.length]!(letter)) + fieldWording(u.text.zh, n),
      record: records[n % records.length]!,
      result: VALUES[(n * 7 + level) % 4]!,
      ...(u.set === 'general' ? { weight: WEIGHT_TEXT[u.weight], key: 100000 + n } : {}),
      ...(n % 6 === 0 ? { comment: { column: n % 12 === 0 ? 'E' : 'D', text: `复核意见 ${n}：请补充截图。` } } : {}),
    } as FieldRow;
  };
  const layerSheet = (name: string, layer: string, i: number): FieldSheet => ({
    name,
    resultHeader: i % 2 ? '符合程度' : '符合情况',
    controlPointHeader: i % 3 ? '控制点' : '控制点 ',
    fill: i % 2 ? 'blank' : 'merge',
    rows: items.filter((u) => u.layer === layer).map((u) => row(u, name)),
  });
  const sheets: FieldSheet[] = [layerSheet('中心机房', 'PES', 0), layerSheet('安全通信网络', 'CNS', 1), layerSheet('系统边界', 'ABS', 2)];
  // A copy-paste defect: three 安全通信网络 rows repeated in 系统边界's cloud block.
  const cns = sheets[1]!;
  for (const i of [0, 1, 2]) sheets[2]!.rows.push({ ...cns.rows[i]!, setLabel: '云计算扩展', weight: undefined, key: undefined, copyOf: { sheet: cns.name, index: i } });
  const ces = items.filter((u) => u.layer === 'CES' && u.set === 'general');
  objects.forEach((o, i) => {
    const sheet: FieldSheet = {
      name: o.sheet,
      firstLine: `IP：${o.ip ?? ''}  版本：V${i + 1}.0`,
      resultHeader: i % 2 ? '符合程度' : '符合情况',
      controlPointHeader: i % 2 ? '控制点 ' : '控制点',
      fill: i % 2 ? 'merge' : 'blank',
      rows: ces.map((u) => row(u, o.sheet)),
    };
    if (i === 0) sheet.rows.push({ code: '', setLabel: '安全通用要求', controlPoint: '身份鉴别', text: 'e）应对不存在的设备进行不存在的测评。', record: '无', result: '符合' });
    sheets.push(sheet);
  });
  sheets.push({
    name: '安全计算环境云扩展',
    firstLine: 'IP：10.9.9.9  版本：',
    resultHeader: '符合情况',
    controlPointHeader: '控制点 ',
    fill: 'merge',
    rows: items.filter((u) => u.layer === 'CES' && u.set === 'cloud').map((u) => row(u, '安全计算环境云扩展')),
  });
  for (const [i, [name, layer]] of ([['安全管理中心', 'SMC'], ['安全管理制度', 'PSS'], ['安全管理机构', 'ORS'], ['安全管理人员', 'HRS'], ['安全建设管理', 'CMS'], ['安全运维管理', 'MMS']] as const).entries()) {
    sheets.push(layerSheet(name, layer, i + 3));
  }
  return sheets;
}
