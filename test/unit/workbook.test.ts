import { expect } from 'chai';
import ExcelJS from 'exceljs';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { checkWorkbookArchive } from '../../reports/workbook/archive.js';
import type { WorkbookData } from '../../reports/workbook/data.js';
import { buildWorkbook, escapeOoxmlText, planSheets } from '../../reports/workbook/export.js';
import { diffWorkbook, parseWorkbook } from '../../reports/workbook/import.js';
import { headerKey, layerOfSheet, parseResultLabel } from '../../reports/workbook/layout.js';
import { normaliseRecord, normaliseText, sanitiseSheetName, uniqueSheetName } from '../../reports/workbook/text.js';

describe('workbook: requirement-text normaliser', () => {
  it('ignores whitespace, full- and half-width punctuation and case', () => {
    const a = '应对登录的用户进行身份标识和鉴别，身份标识具有唯一性，身份鉴别信息具有复杂度要求并定期更换。';
    const b = ' 应对登录的用户进行身份标识和鉴别, 身份标识具有唯一性,身份鉴别信息具有复杂度要求并定期更换 \n';
    expect(normaliseText(a)).to.equal(normaliseText(b));
    expect(normaliseText(a)).to.equal('应对登录的用户进行身份标识和鉴别身份标识具有唯一性身份鉴别信息具有复杂度要求并定期更换');
    expect(normaliseText('Ｉｄｅｎｔｉｆｉｃａｔｉｏｎ  AND authentication.')).to.equal('identificationandauthentication');
    expect(normaliseText('a）b（c)“d”《e》、f；g：h！i？j…k—l')).to.equal('abcdefghijkl');
  });

  it('drops zero-width characters, BOMs and control characters; keeps words apart from their text', () => {
    expect(normaliseText('\uFEFF控制\u200B点\t')).to.equal('控制点');
    expect(normaliseText(null)).to.equal('');
    expect(normaliseText(undefined)).to.equal('');
    expect(normaliseText(12.5)).to.equal('125');
    expect(normaliseText('身份鉴别')).to.not.equal(normaliseText('身份鉴权'));
  });

  it('normalises records: CRLF → LF, blank → null', () => {
    expect(normaliseRecord('a\r\nb\rc')).to.equal('a\nb\nc');
    expect(normaliseRecord('  \n ')).to.equal(null);
    expect(normaliseRecord(null)).to.equal(null);
    expect(normaliseRecord(' kept ')).to.equal(' kept ');
  });
});

describe('workbook: sheet-name sanitiser', () => {
  it("replaces Excel's forbidden characters and trims", () => {
    expect(sanitiseSheetName('a:b\\c/d?e*f[g]h')).to.equal('a_b_c_d_e_f_g_h');
    expect(sanitiseSheetName('  数据库服务器 DB-01  ')).to.equal('数据库服务器 DB-01');
    expect(sanitiseSheetName("'quoted'")).to.equal('quoted');
    expect(sanitiseSheetName('tab\there\nnewline')).to.equal('tab here newline');
  });

  it('cuts to 31 characters without splitting a surrogate pair', () => {
    const long = '城市大脑运营管理平台-应用服务器集群-杭州主数据中心-一号机柜-第二台';
    expect(sanitiseSheetName(long)).to.have.length(31);
    expect(sanitiseSheetName(long)).to.equal(long.slice(0, 31));
    const emoji = 'x'.repeat(30) + '😀';
    expect(sanitiseSheetName(emoji)).to.equal('x'.repeat(30));
  });

  it('falls back for empty and reserved names', () => {
    expect(sanitiseSheetName('')).to.equal('Sheet');
    expect(sanitiseSheetName("  ''  ", '测评对象')).to.equal('测评对象');
    expect(sanitiseSheetName('History')).to.equal('Sheet');
  });

  it('makes names unique case-insensitively, within 31 characters', () => {
    const taken = new Set<string>();
    expect(uniqueSheetName('FW-01', taken)).to.equal('FW-01');
    expect(uniqueSheetName('fw-01', taken)).to.equal('fw-01 (2)');
    expect(uniqueSheetName('FW-01', taken)).to.equal('FW-01 (3)');
    const long = 'A'.repeat(40);
    expect(uniqueSheetName(long, taken)).to.equal('A'.repeat(31));
    const second = uniqueSheetName(long, taken);
    expect(second).to.equal('A'.repeat(27) + ' (2)');
    expect(second).to.have.length(31);
    expect(uniqueSheetName('a/b', taken)).to.equal('a_b');
    expect(uniqueSheetName('a:b', taken)).to.equal('a_b (2)');
  });
});

describe('workbook: layout vocabulary', () => {
  it('recognises layer sheets by their field, official and English names', () => {
    expect(layerOfSheet('中心机房')).to.equal('PES');
    expect(layerOfSheet(' 安全物理环境 ')).to.equal('PES');
    expect(layerOfSheet('系统边界')).to.equal('ABS');
    expect(layerOfSheet('安全区域边界')).to.equal('ABS');
    expect(layerOfSheet('安全运维管理')).to.equal('MMS');
    expect(layerOfSheet('Security policies')).to.equal('PSS');
    expect(layerOfSheet('数据库服务器 DB-01')).to.equal(undefined);
  });

  it('reads header spelling variants', () => {
    expect(headerKey('符合程度')).to.equal('result');
    expect(headerKey('符合情况')).to.equal('result');
    expect(headerKey('控制点 ')).to.equal('controlPoint');
    expect(headerKey('测评项')).to.equal('text');
    expect(headerKey('Result')).to.equal('result');
    expect(headerKey('备注')).to.equal(undefined);
  });

  it('reads result labels in both languages; unknown labels are undefined', () => {
    expect(parseResultLabel('符合')).to.equal('conform');
    expect(parseResultLabel(' 部分符合 ')).to.equal('partial');
    expect(parseResultLabel('不符合')).to.equal('nonconform');
    expect(parseResultLabel('不适用')).to.equal('na');
    expect(parseResultLabel('Does not conform')).to.equal('nonconform');
    expect(parseResultLabel('N/A')).to.equal('na');
    expect(parseResultLabel('')).to.equal('not_assessed');
    expect(parseResultLabel('maybe')).to.equal(undefined);
  });

  it("escapes CR, control characters and literal _xHHHH_ the way Excel's string items need", () => {
    expect(escapeOoxmlText('=SUM(1)')).to.equal('=SUM(1)');
    expect(escapeOoxmlText('\r=1')).to.equal('_x000D_=1');
    expect(escapeOoxmlText('a\tb\nc')).to.equal('a\tb\nc');
    expect(escapeOoxmlText('x_x000D_y')).to.equal('x_x005F_x000D_y');
    expect(escapeOoxmlText('bell\u0007')).to.equal('bell_x0007_');
  });
});

async function zip(entries: Record<string, string>): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const [name, content] of Object.entries(entries)) z.addBuffer(Buffer.from(content), name);
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('workbook: archive checks', () => {
  const sheet = (rows: number, prefix = '') =>
    zip({
      '[Content_Types].xml': '<Types/>',
      'xl/workbook.xml': '<workbook><sheets><sheet name="A &amp; B" sheetId="1" r:id="rId1"/></sheets></workbook>',
      'xl/_rels/workbook.xml.rels': '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>',
      'xl/worksheets/sheet1.xml': `<worksheet><sheetData>${Array.from({ length: rows }, (_, i) => `<${prefix}row r="${i + 1}"><c r="A${i + 1}"/></${prefix}row>`).join('')}</sheetData><rowBreaks/></worksheet>`,
    });

  it('counts rows exactly across stream chunks: 20,000 pass, 20,001 do not', async () => {
    expect(await checkWorkbookArchive(await sheet(20_000))).to.deep.equal({ kind: 'ok' });
    const over = await checkWorkbookArchive(await sheet(20_001));
    expect(over).to.deep.include({ kind: 'problems' });
    expect((over as { problems: Array<{ sheet: string; code: string }> }).problems[0]).to.include({ sheet: 'A & B', code: 'too_many_rows' });
    expect((await checkWorkbookArchive(await sheet(20_001, 'x:'))).kind).to.equal('problems');
  });

  it('tells non-xlsx content apart', async () => {
    expect((await checkWorkbookArchive(Buffer.from('%PDF-1.4 hello world, not a zip at all'))).kind).to.equal('not_xlsx');
    expect((await checkWorkbookArchive(await zip({ 'a.txt': 'x' }))).kind).to.equal('not_xlsx');
  });
});

/** The text of one entry of a zip. */
async function entryText(buffer: Buffer, name: string): Promise<string> {
  const zipfile = await yauzl.fromBufferPromise(buffer, { lazyEntries: true });
  for await (const entry of zipfile.eachEntry()) {
    if (entry.fileName !== name) continue;
    const chunks: Buffer[] = [];
    for await (const c of await zipfile.openReadStreamPromise(entry)) chunks.push(c as Buffer);
    zipfile.close();
    return Buffer.concat(chunks).toString('utf8');
  }
  throw new Error(`no ${name}`);
}

describe('workbook: export from plain data', () => {
  const unit = (code: string, layer: string, cp: string, text: string, set: 'general' | 'cloud' = 'general') => ({
    code,
    set,
    layer: layer as 'CES',
    controlPoint: { zh: cp, en: `${cp} (en)`, order: 1 },
    text: { zh: text, en: `${text} (en)` },
  });
  const data: WorkbookData = {
    assessment: { id: '11111111-1111-4111-8111-111111111111', reportNumber: null, level: 3, status: 'in_progress', systemName: 'x' },
    units: [unit('L3-PES1-01', 'PES', '物理位置选择', '机房场地应选择在具有防震、防风和防雨等能力的建筑内。'), unit('L3-CES1-01', 'CES', '身份鉴别', '应对登录的用户进行身份标识和鉴别。'), unit('L3-CES1-02', 'CES', '身份鉴别', '应具有登录失败处理功能。'), unit('L3-PSS1-01', 'PSS', '安全策略', '应制定网络安全工作的总体方针和安全策略。')],
    objects: [
      { id: 'aaaaaaaa-0000-4000-8000-000000000001', name: '=cmd|"/c calc"!A1', category: 'server_storage', ip: '10.0.0.1', version: 'v1', selected: true },
      { id: 'aaaaaaaa-0000-4000-8000-000000000002', name: '安全管理制度', category: 'server_storage', ip: null, version: null, selected: true },
      { id: 'aaaaaaaa-0000-4000-8000-000000000003', name: '+机房', category: 'machine_room', ip: null, version: null, selected: true },
    ],
    results: [
      { code: 'L3-PES1-01', objectId: 'aaaaaaaa-0000-4000-8000-000000000003', value: 'na', record: '-云上', rowVersion: 1 },
      { code: 'L3-CES1-01', objectId: 'aaaaaaaa-0000-4000-8000-000000000001', value: 'conform', record: '@SUM(1)', rowVersion: 2 },
      { code: 'L3-CES1-02', objectId: 'aaaaaaaa-0000-4000-8000-000000000001', value: 'not_assessed', record: null, rowVersion: 1 },
      { code: 'L3-CES1-01', objectId: 'aaaaaaaa-0000-4000-8000-000000000002', value: 'partial', record: '\r\nx', rowVersion: 1 },
      { code: 'L3-PSS1-01', objectId: null, value: 'nonconform', record: '=1+1', rowVersion: 5 },
    ],
  };

  it('plans object sheets for computing-environment rows and layer sheets (object in column I) for the rest', () => {
    const plan = planSheets(data, 'zh-CN');
    expect(plan.map((s) => [s.name, s.kind, s.rows.length])).to.deep.equal([
      ['中心机房', 'layer', 1],
      ['=cmd|"_c calc"!A1', 'object', 2],
      ['安全管理制度 (2)', 'object', 1],
      ['安全管理制度', 'layer', 1],
    ]);
  });

  it('writes one validation range per sheet, user text as strings, and reads back to no change', async () => {
    const buffer = await buildWorkbook(data, 'zh-CN');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(buffer as unknown as ArrayBuffer);
    const obj = wb.getWorksheet('=cmd|"_c calc"!A1')!;
    expect(obj.getCell('D3').value).to.equal('@SUM(1)');
    expect(obj.getCell('E3').value).to.equal('符合');
    expect(obj.getCell('E4').value).to.equal(null);
    expect(wb.getWorksheet('安全管理制度 (2)')!.getCell('D3').value).to.equal('\r\nx');
    const pes = wb.getWorksheet('中心机房')!;
    expect([pes.getCell('D2').value, pes.getCell('I2').value, pes.getCell('G2').value]).to.deep.equal(['-云上', '+机房', 'aaaaaaaa-0000-4000-8000-000000000003']);
    expect(wb.getWorksheet('安全管理制度')!.getCell('D2').type).to.equal(ExcelJS.ValueType.String);
    const xml = await entryText(buffer, 'xl/worksheets/sheet2.xml');
    expect(xml.match(/<dataValidation /g)).to.have.length(1);
    expect(xml).to.contain('sqref="E3:E4"');
    expect(xml).to.not.contain('<f>');
    const diff = diffWorkbook(await parseWorkbook(buffer), data);
    expect(diff).to.deep.include({ changed: [], conflicts: [], unmatched: [], problems: [], unchanged: 5 });
  });
});
