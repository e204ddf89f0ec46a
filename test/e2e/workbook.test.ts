import { expect } from 'chai';
import ExcelJS from 'exceljs';
import type { Express } from 'express';
import { PassThrough } from 'node:stream';
import yazl from 'yazl';
import { createTestApp, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { binary } from '../utils/http.js';
import { pdf } from '../utils/files.js';
import { allPages } from '../utils/pages.js';


const LABEL = { conform: '符合', partial: '部分符合', nonconform: '不符合', na: '不适用' } as Record<string, string>;
const VALUE_OF = Object.fromEntries(Object.entries(LABEL).map(([v, l]) => [l, v])) as Record<string, string>;
const CODE = /^L\d-[A-Z]{3}\d-\d{2}$/;

interface Result {
  id: string;
  code: string;
  objectId: string | null;
  objectName: string | null;
  value: string;
  record: string | null;
  rowVersion: number;
  layer: string;
  controlPoint: string;
  text: { zh: string; en: string };
}
const key = (code: string, objectId: string | null) => `${code}|${objectId ?? 'system'}`;

async function load(buffer: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buffer as unknown as ArrayBuffer);
  return wb;
}
const save = async (wb: ExcelJS.Workbook) => Buffer.from(await wb.xlsx.writeBuffer());

interface MachineRow {
  ws: ExcelJS.Worksheet;
  row: number;
  code: string;
  objectId: string | null;
  rowVersion: number;
}
/** Rows exported by dengbao (hidden F/G/H columns), in sheet order. */
function machineRows(wb: ExcelJS.Workbook): MachineRow[] {
  const out: MachineRow[] = [];
  wb.eachSheet((ws) => {
    ws.eachRow((row, n) => {
      const code = row.getCell(6).value;
      if (typeof code === 'string' && CODE.test(code)) {
        const o = String(row.getCell(7).value);
        out.push({ ws, row: n, code, objectId: o === 'system' ? null : o, rowVersion: Number(row.getCell(8).value) });
      }
    });
  });
  return out;
}

describeEachEngine('record workbook (xlsx) export and import', (ctx) => {
  let app: Express;
  let consultant: Agent, auditor: Agent, officer2: Agent;
  let demo: { id: string; systemId: string; reportNumber: string };

  const results = async (): Promise<Result[]> => (await allPages(consultant, `/api/v1/assessments/${demo.id}/results`));
  const exportXlsx = async (agent: Agent = consultant, query = ''): Promise<Buffer> =>
    (await agent.get(`/api/v1/assessments/${demo.id}/workbook.xlsx${query}`).buffer(true).parse(binary).expect(200)).body as Buffer;
  const importXlsx = (file: Buffer, query = '', agent: Agent = consultant, name = 'records.xlsx') =>
    agent.post(`/api/v1/assessments/${demo.id}/workbook${query}`).attach('file', file, name);

  before(async () => {
    app = await createTestApp(ctx.db);
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
    officer2 = await signIn(app, 'officer2');
    [demo] = (await consultant.get('/api/v1/assessments?status=in_progress').expect(200)).body.data.filter((x: { kind: string }) => x.kind === 'formal_test');
  });

  it('exports the field layout: object sheets with the IP line, layer sheets, hidden machine columns, dropdown, colours', async () => {
    const res = await consultant.get(`/api/v1/assessments/${demo.id}/workbook.xlsx`).buffer(true).parse(binary).expect(200);
    expect(res.headers['content-type']).to.equal('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers['content-disposition']).to.match(/^attachment;/).and.contain(`${demo.reportNumber}.xlsx`);
    const wb = await load(res.body);
    const names = wb.worksheets.map((w) => w.name);
    expect(names.slice(0, 3)).to.deep.equal(['中心机房', '安全通信网络', '系统边界']);
    expect(names).to.include.members(['安全管理中心', '安全管理制度', '安全管理机构', '安全管理人员', '安全建设管理', '安全运维管理', '数据库服务器 DB-01', '_lists']);
    expect(wb.getWorksheet('_lists')!.state).to.equal('hidden');

    const db = wb.getWorksheet('数据库服务器 DB-01')!;
    expect(db.getCell('A1').value).to.equal('IP：10.10.2.21  版本：');
    expect(db.getCell('A1').isMerged && db.getCell('E1').isMerged).to.equal(true);
    expect([1, 2, 3, 4, 5].map((c) => db.getRow(2).getCell(c).value)).to.deep.equal(['扩展标准', '控制点', '测评项', '结果记录', '符合情况']);
    expect(db.views[0]).to.include({ state: 'frozen', ySplit: 2 });
    expect(db.getColumn(6).hidden && db.getColumn(7).hidden && db.getColumn(8).hidden).to.equal(true);
    expect(db.getCell('A3').value).to.equal('安全通用要求');
    expect(db.getCell('F3').value).to.match(CODE);
    expect(db.getCell('E3').dataValidation).to.include({ type: 'list' });
    expect(db.getCell('E3').dataValidation.formulae).to.deep.equal(["'_lists'!$A$1:$A$4"]);
    expect(db.getCell('C3').alignment).to.include({ wrapText: true });
    // Cloud rows follow on the same object sheet.
    let cloud = 0;
    db.eachRow((row, n) => {
      if (n > 2 && row.getCell(1).value === '云计算安全扩展要求') cloud++;
    });
    expect(cloud).to.be.greaterThan(0);

    const pes = wb.getWorksheet('中心机房')!;
    expect([1, 2, 3, 4, 5, 9].map((c) => pes.getRow(1).getCell(c).value)).to.deep.equal(['扩展标准', '控制点', '测评项', '结果记录', '符合情况', '测评对象']);
    expect(pes.getCell('I2').value).to.equal('云平台机房（专有云服务商）');
    const fills: Record<string, string> = { conform: 'FFC6EFCE', partial: 'FFFFEB9C', nonconform: 'FFFFC7CE', na: 'FFD9D9D9' };
    const firstPes = (await results()).find((r) => r.layer === 'PES')!;
    expect(pes.getCell('F2').value).to.equal(firstPes.code);
    expect(pes.getCell('E2').value).to.equal(LABEL[firstPes.value]);
    expect((pes.getCell('E2').fill as ExcelJS.FillPattern).fgColor?.argb).to.equal(fills[firstPes.value]);
    const cns = wb.getWorksheet('安全通信网络')!;
    expect(cns.getCell('G2').value).to.equal('system');
    expect(cns.getCell('I2').value ?? null).to.equal(null);

    // Every result is on exactly one row, with its value, record and row version.
    const all = await results();
    const rows = machineRows(wb);
    expect(rows).to.have.length(all.length);
    const byKey = new Map(all.map((r) => [key(r.code, r.objectId), r]));
    for (const r of rows) {
      const server = byKey.get(key(r.code, r.objectId))!;
      expect(server, key(r.code, r.objectId)).to.not.equal(undefined);
      expect(r.rowVersion).to.equal(server.rowVersion);
      const e = r.ws.getRow(r.row).getCell(5).value;
      expect(e ?? null).to.equal(server.value === 'not_assessed' ? null : LABEL[server.value]);
    }
  });

  it('exports in English with lang=en; the English workbook imports back unchanged', async () => {
    const buffer = await exportXlsx(consultant, '?lang=en');
    const wb = await load(buffer);
    expect(wb.worksheets[0]!.name).to.equal('Machine room');
    expect(wb.worksheets.map((w) => w.name)).to.include.members(['Communication network', 'Area boundary', 'Security policies']);
    const db = wb.getWorksheet('数据库服务器 DB-01')!;
    expect(db.getCell('A1').value).to.equal('IP: 10.10.2.21  Version: ');
    expect([1, 2, 3, 4, 5].map((c) => db.getRow(2).getCell(c).value)).to.deep.equal(['Requirement set', 'Control point', 'Requirement', 'Record', 'Result']);
    expect(db.getCell('A3').value).to.equal('General requirements');
    expect(db.getCell('B3').value).to.equal('Identification and authentication');
    expect(String(db.getCell('C3').value)).to.match(/^[\x20-\x7e]+$/);
    const labels = new Set(machineRows(wb).map((r) => r.ws.getRow(r.row).getCell(5).value).filter(Boolean));
    expect([...labels].every((l) => ['Conforms', 'Partly', 'Does not conform', 'Not applicable'].includes(String(l)))).to.equal(true);
    const res = await importXlsx(buffer, '?dryRun=1').expect(200);
    expect(res.body).to.include({ dryRun: true, unchanged: machineRows(wb).length });
    expect(res.body.changed).to.deep.equal([]);
    expect(res.body.problems).to.deep.equal([]);
  });

  it('round-trips: 10 changed cells are listed by a dry run (nothing written), then applied exactly', async () => {
    const before = await results();
    const wb = await load(await exportXlsx());
    const rows = machineRows(wb);
    const step = Math.floor(rows.length / 10);
    const picked = Array.from({ length: 10 }, (_, i) => rows[i * step]!);
    const expected = new Map<string, { value: string; record?: string }>();
    const byKey = new Map(before.map((r) => [key(r.code, r.objectId), r]));
    picked.forEach((r, i) => {
      const server = byKey.get(key(r.code, r.objectId))!;
      const value = server.value === 'conform' ? 'partial' : 'conform';
      const row = r.ws.getRow(r.row);
      row.getCell(5).value = LABEL[value]!;
      const change: { value: string; record?: string } = { value };
      if (i % 3 === 0) {
        change.record = `导入修改的记录 ${i}：已复核。`;
        row.getCell(4).value = change.record;
      }
      expected.set(key(r.code, r.objectId), change);
    });
    const file = await save(wb);

    const dry = await importXlsx(file, '?dryRun=1').expect(200);
    expect(dry.body).to.include({ dryRun: true, applied: 0, unchanged: rows.length - 10 });
    expect(dry.body.conflicts).to.deep.equal([]);
    expect(dry.body.problems).to.deep.equal([]);
    expect(dry.body.unmatched).to.deep.equal([]);
    expect(dry.body.changed.map((c: { code: string; objectId: string | null }) => key(c.code, c.objectId)).sort()).to.deep.equal([...expected.keys()].sort());
    for (const c of dry.body.changed) {
      const p = picked.find((r) => key(r.code, r.objectId) === key(c.code, c.objectId))!;
      expect(c).to.include({ sheet: p.ws.name, row: p.row, matchedBy: 'machine_columns' });
      expect(c.to.value).to.equal(expected.get(key(c.code, c.objectId))!.value);
    }
    expect(await results()).to.deep.equal(before);

    const applied = await importXlsx(file).expect(200);
    expect(applied.body).to.include({ dryRun: false, applied: 10 });
    const after = await results();
    const differing = after.filter((r) => {
      const b = byKey.get(key(r.code, r.objectId))!;
      return b.value !== r.value || b.record !== r.record || b.rowVersion !== r.rowVersion;
    });
    expect(differing.map((r) => key(r.code, r.objectId)).sort()).to.deep.equal([...expected.keys()].sort());
    for (const r of differing) {
      const want = expected.get(key(r.code, r.objectId))!;
      expect(r.value).to.equal(want.value);
      expect(r.record).to.equal(want.record ?? byKey.get(key(r.code, r.objectId))!.record);
      expect(r.rowVersion).to.equal(byKey.get(key(r.code, r.objectId))!.rowVersion + 1);
    }
    // Importing the same file again: its row versions are now stale, but its values are the server's.
    const again = await importXlsx(file, '?dryRun=1').expect(200);
    expect(again.body.changed).to.deep.equal([]);
    expect(again.body.conflicts).to.deep.equal([]);
  });

  it('reports a stale export as a conflict and applies nothing', async () => {
    const wb = await load(await exportXlsx());
    const rows = machineRows(wb);
    const [stale, other] = [rows[5]!, rows[40]!];
    const current = (await results()).find((r) => key(r.code, r.objectId) === key(stale.code, stale.objectId))!;
    // Someone changes the row through the API after the export.
    const apiValue = current.value === 'nonconform' ? 'partial' : 'nonconform';
    await consultant
      .put(`/api/v1/assessments/${demo.id}/results/${stale.code}`)
      .send({ objectId: stale.objectId, value: apiValue, record: 'changed through the API', rowVersion: current.rowVersion })
      .expect(200);
    const before = await results();
    stale.ws.getRow(stale.row).getCell(5).value = '不适用';
    const otherServer = before.find((r) => key(r.code, r.objectId) === key(other.code, other.objectId))!;
    other.ws.getRow(other.row).getCell(5).value = otherServer.value === 'conform' ? '不符合' : '符合';
    const file = await save(wb);

    const dry = await importXlsx(file, '?dryRun=1').expect(200);
    expect(dry.body.conflicts).to.have.length(1);
    expect(dry.body.conflicts[0]).to.include({ sheet: stale.ws.name, row: stale.row, code: stale.code, fileRowVersion: current.rowVersion, serverRowVersion: current.rowVersion + 1 });
    expect(dry.body.changed.map((c: { code: string }) => c.code)).to.deep.equal([other.code]);

    const res = await importXlsx(file).expect(409);
    expect(res.body.error.code).to.equal('conflict');
    expect(res.body.error.details).to.have.length(1);
    expect(res.body.error.details[0]).to.include({ code: 'stale_row_version', sheet: stale.ws.name, row: stale.row, unit: stale.code });
    expect(await results()).to.deep.equal(before);
  });

  it('imports a workbook made outside dengbao (no machine columns) by layer, control point and text', async () => {
    const objects = (await consultant.get(`/api/v1/systems/${demo.systemId}/objects`).expect(200)).body.data;
    const dbServer = objects.find((o: { name: string }) => o.name === '数据库服务器 DB-01');
    const all = await results();
    const onDb = all.filter((r) => r.objectId === dbServer.id && r.layer === 'CES');
    const general = onDb.filter((r) => r.code.startsWith('L3-CES1-')).slice(0, 6);
    const cloudRow = onDb.find((r) => r.code.startsWith('L3-CES2-'))!;
    const pss = all.filter((r) => r.layer === 'PSS').slice(0, 3);
    const flip = (v: string) => (v === 'conform' ? 'partial' : 'conform');

    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('数据库服务器 DB-01 ');
    ws.getCell('A1').value = 'IP：10.10.2.21  版本：Oracle 19c';
    ws.mergeCells('A1:E1');
    ws.getRow(2).values = ['扩展标准', '控制点 ', '测评项', '结果记录', '符合程度'];
    let r = 3;
    const blockStart = r;
    let cpStart = r;
    general.forEach((g, i) => {
      const row = ws.getRow(r);
      if (i === 0) row.getCell(1).value = '安全通用要求';
      if (i === 0 || general[i - 1]!.controlPoint !== g.controlPoint) {
        if (r - 1 > cpStart) ws.mergeCells(cpStart, 2, r - 1, 2);
        cpStart = r;
        row.getCell(2).value = g.controlPoint;
      }
      row.getCell(3).value = g.text.zh;
      row.getCell(4).value = `现场核查记录 ${i}`;
      row.getCell(5).value = LABEL[flip(g.value)]!;
      row.getCell(6).value = '1.00'; // the field's hidden weight and key columns: not dengbao's machine columns
      row.getCell(7).value = 1000 + i;
      r++;
    });
    if (r - 1 > cpStart) ws.mergeCells(cpStart, 2, r - 1, 2);
    ws.mergeCells(blockStart, 1, r - 1, 1);
    const unmatchedRow = r;
    ws.getRow(r).values = ['', '', '应对不存在的设备进行不存在的测评。', '无', '符合'];
    r++;
    const cloudAt = r;
    // A cloud label variant, and text with different punctuation and spacing.
    ws.getRow(r).values = ['云计算扩展', cloudRow.controlPoint + ' ', cloudRow.text.zh.replace(/，/g, ', ').replace(/。$/, '') + '  ', '', LABEL[flip(cloudRow.value)]!];

    const policy = wb.addWorksheet('安全管理制度');
    policy.getRow(1).values = ['扩展标准', '控制点', '测评项', '结果记录', '符合情况'];
    pss.forEach((p, i) => {
      // Only the first row of a block holds A and B (not merged): the reader fills down.
      policy.getRow(2 + i).values = [i === 0 ? '安全通用要求' : '', i === 0 || pss[i - 1]!.controlPoint !== p.controlPoint ? p.controlPoint : '', p.text.zh, '', LABEL[flip(p.value)]!];
    });
    const file = await save(wb);

    const expectedKeys = [...general, cloudRow, ...pss].map((x) => key(x.code, x.objectId)).sort();
    const dry = await importXlsx(file, '?dryRun=1').expect(200);
    expect(dry.body.problems).to.deep.equal([]);
    expect(dry.body.conflicts).to.deep.equal([]);
    expect(dry.body.changed.map((c: { code: string; objectId: string | null }) => key(c.code, c.objectId)).sort()).to.deep.equal(expectedKeys);
    expect(dry.body.changed.every((c: { matchedBy: string }) => c.matchedBy === 'exact')).to.equal(true);
    expect(dry.body.changed.find((c: { code: string }) => c.code === cloudRow.code)).to.include({ row: cloudAt });
    expect(dry.body.unmatched).to.have.length(1);
    expect(dry.body.unmatched[0]).to.include({ row: unmatchedRow, reason: 'no_matching_requirement' });
    expect(dry.body.unmatched[0].sheet.trim()).to.equal('数据库服务器 DB-01');

    const before = await results();
    const res = await importXlsx(file).expect(200);
    expect(res.body).to.include({ applied: expectedKeys.length });
    const after = await results();
    const byKey = new Map(before.map((x) => [key(x.code, x.objectId), x]));
    const differing = after.filter((x) => byKey.get(key(x.code, x.objectId))!.rowVersion !== x.rowVersion).map((x) => key(x.code, x.objectId));
    expect(differing.sort()).to.deep.equal(expectedKeys);
    const first = after.find((x) => key(x.code, x.objectId) === key(general[0]!.code, general[0]!.objectId))!;
    expect(first).to.include({ value: flip(general[0]!.value), record: '现场核查记录 0' });
    // An empty record cell leaves the server's record alone.
    const cloudAfter = after.find((x) => x.code === cloudRow.code && x.objectId === dbServer.id)!;
    expect(cloudAfter).to.include({ value: flip(cloudRow.value), record: byKey.get(key(cloudRow.code, cloudRow.objectId))!.record });
  });

  it('writes formula-like text as plain string cells, never formulas', async () => {
    const all = await results();
    const texts = ['=HYPERLINK("http://x","y")', '+SUM(1,2)', '-2+3', '@cmd', '\t=1+1', '\r=1+1', 'literal _x000D_ text'];
    const targets = all.filter((x) => x.layer === 'MMS').slice(0, texts.length);
    for (const [i, t] of targets.entries()) {
      await consultant.put(`/api/v1/assessments/${demo.id}/results/${t.code}`).send({ objectId: t.objectId, value: 'conform', record: texts[i], rowVersion: t.rowVersion }).expect(200);
    }
    // Object names too: a terminal (its own sheet) and a machine room (named in column I of 中心机房).
    await consultant
      .post(`/api/v1/systems/${demo.systemId}/objects`)
      .send({
        objects: [
          { category: 'terminal', name: '=HYPERLINK("http://x","y")', ip: '10.0.0.9', version: '=1+1', importance: 'general' },
          { category: 'machine_room', name: '@备用机房', importance: 'general' },
        ],
      })
      .expect(201);
    const buffer = await exportXlsx();
    const wb = await load(buffer);
    const terminal = wb.getWorksheet('=HYPERLINK("http___x","y")')!;
    expect(terminal.getCell('A1').value).to.equal('IP：10.0.0.9  版本：=1+1');
    const pes = wb.getWorksheet('中心机房')!;
    const named: ExcelJS.Cell[] = [];
    pes.eachRow((row) => {
      if (row.getCell(9).value === '@备用机房') named.push(row.getCell(9));
    });
    expect(named.length).to.be.greaterThan(0);
    expect(named.every((c) => c.type === ExcelJS.ValueType.String)).to.equal(true);
    wb.eachSheet((ws) =>
      ws.eachRow((row) =>
        row.eachCell((cell) => {
          expect(cell.type, `${ws.name}!${cell.address}`).to.not.equal(ExcelJS.ValueType.Formula);
        }),
      ),
    );
    const rows = machineRows(wb);
    for (const [i, t] of targets.entries()) {
      const r = rows.find((x) => x.code === t.code && x.objectId === t.objectId)!;
      const cell = r.ws.getRow(r.row).getCell(4);
      expect(cell.type).to.equal(ExcelJS.ValueType.String);
      expect(cell.value).to.equal(texts[i]);
    }
    // …and the same workbook imports back without a change (CR kept, _x000D_ kept literally).
    const res = await importXlsx(buffer, '?dryRun=1').expect(200);
    expect(res.body.changed).to.deep.equal([]);
    // ExcelJS's writer (used by the other tests to edit exports) does not escape a literal "_x000D_"
    // as Excel does: clear that record so their re-saved files stay faithful.
    const last = (await results()).find((x) => x.code === targets.at(-1)!.code && x.objectId === targets.at(-1)!.objectId)!;
    await consultant.put(`/api/v1/assessments/${demo.id}/results/${last.code}`).send({ objectId: last.objectId, value: 'conform', record: 'plain', rowVersion: last.rowVersion }).expect(200);
  });

  it('refuses an unknown result value with 400 naming sheet, row and column, and applies nothing', async () => {
    const wb = await load(await exportXlsx());
    const [a, b] = [machineRows(wb)[3]!, machineRows(wb)[30]!];
    a.ws.getRow(a.row).getCell(5).value = 'maybe';
    b.ws.getRow(b.row).getCell(5).value = b.ws.getRow(b.row).getCell(5).value === '符合' ? '不符合' : '符合';
    const file = await save(wb);
    const before = await results();
    const res = await importXlsx(file).expect(400);
    expect(res.body.error.code).to.equal('validation_failed');
    expect(res.body.error.details, JSON.stringify(res.body.error.details)).to.have.length(1);
    expect(res.body.error.details[0]).to.include({ sheet: a.ws.name, row: a.row, column: 'E', code: 'invalid_result', value: 'maybe', path: `${a.ws.name}!E${a.row}` });
    expect(res.body.error.message).to.contain(`${a.ws.name}!E${a.row}`);
    expect(await results()).to.deep.equal(before);
    const dry = await importXlsx(file, '?dryRun=1').expect(200);
    expect(dry.body.problems, JSON.stringify(dry.body.problems)).to.have.length(1);
    expect(dry.body.changed, JSON.stringify(dry.body.changed)).to.have.length(1);
  });

  it('refuses rows with a unit outside the scope or a bad object id', async () => {
    const wb = await load(await exportXlsx());
    const rows = machineRows(wb);
    rows[0]!.ws.getRow(rows[0]!.row).getCell(6).value = 'L4-CES1-01';
    rows[1]!.ws.getRow(rows[1]!.row).getCell(7).value = 'not-an-id';
    rows[2]!.ws.getRow(rows[2]!.row).getCell(7).value = '00000000-0000-4000-8000-000000000000';
    const res = await importXlsx(await save(wb)).expect(400);
    expect(res.body.error.details.map((d: { code: string; column: string }) => `${d.code}:${d.column}`)).to.deep.equal(['out_of_scope:F', 'invalid_object_id:G', 'object_not_applicable:G']);
  });

  it('refuses non-xlsx uploads with 415, absurd workbooks with 400 and oversize uploads with 413', async () => {
    expect((await importXlsx(pdf(), '', consultant, 'records.xlsx').expect(415)).body.error.code).to.equal('unsupported_media_type');
    const notXlsx = await zip({ 'word/document.xml': '<w:document/>', '[Content_Types].xml': '<Types/>' });
    await importXlsx(notXlsx).expect(415);
    await importXlsx(Buffer.from('PK\u0003\u0004 but nothing else follows')).expect(415);

    const base = (sheets: number) => ({
      '[Content_Types].xml': '<Types/>',
      'xl/workbook.xml': `<workbook><sheets>${Array.from({ length: sheets }, (_, i) => `<sheet name="S${i + 1}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('')}</sheets></workbook>`,
      'xl/_rels/workbook.xml.rels': `<Relationships>${Array.from({ length: sheets }, (_, i) => `<Relationship Id="rId${i + 1}" Target="worksheets/sheet${i + 1}.xml"/>`).join('')}</Relationships>`,
    });
    const tooManyRows = await zip({ ...base(1), 'xl/worksheets/sheet1.xml': `<worksheet><sheetData>${Array.from({ length: 20_001 }, (_, i) => `<row r="${i + 1}"/>`).join('')}</sheetData></worksheet>` });
    const rows = await importXlsx(tooManyRows, '?dryRun=1').expect(400);
    expect(rows.body.error.details[0]).to.include({ code: 'too_many_rows', sheet: 'S1' });
    const sheets = await importXlsx(await zip(base(1001)), '?dryRun=1').expect(400);
    expect(sheets.body.error.details[0]).to.include({ code: 'too_many_sheets' });
    // A zip bomb: 201 MB of zeros, a few hundred kB compressed.
    const bomb = await zip({ ...base(1), 'xl/worksheets/sheet1.xml': { size: 201 * 1024 * 1024 } });
    expect(bomb.length).to.be.below(1024 * 1024);
    const bombed = await importXlsx(bomb, '?dryRun=1').expect(400);
    expect(bombed.body.error.details[0]).to.include({ code: 'too_large_uncompressed' });

    const big = await importXlsx(Buffer.alloc(21 * 1024 * 1024, 0x41), '', consultant, 'big.xlsx').expect(413);
    expect(big.body.error.code).to.equal('file_too_large');
  });

  it('lets auditors export but not import (403); another organisation gets 404', async () => {
    const buffer = await exportXlsx(auditor);
    expect((await load(buffer)).worksheets.length).to.be.greaterThan(10);
    await importXlsx(buffer, '', auditor).expect(403);
    await importXlsx(buffer, '?dryRun=1', auditor).expect(403);
    await officer2.get(`/api/v1/assessments/${demo.id}/workbook.xlsx`).expect(404);
    await importXlsx(buffer, '', officer2).expect(404);
  });
});

/** A zip built with yazl: text entries, or `{ size }` for that many zero bytes (streamed, never held). */
async function zip(entries: Record<string, string | { size: number }>): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const [name, content] of Object.entries(entries)) {
    if (typeof content === 'string') z.addBuffer(Buffer.from(content), name);
    else {
      const stream = new PassThrough();
      z.addReadStream(stream, name, { size: content.size });
      const chunk = Buffer.alloc(1024 * 1024);
      let left = content.size;
      const pump = () => {
        while (left > 0) {
          const n = Math.min(left, chunk.length);
          left -= n;
          if (!stream.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void stream.once('drain', pump);
        }
        stream.end();
      };
      pump();
    }
  }
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
