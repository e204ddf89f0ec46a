import { expect } from 'chai';
import ExcelJS from 'exceljs';
import type { Express } from 'express';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { binary } from '../utils/http.js';
import { buildFieldWorkbook, fieldWorkbookPlan, VALUES, type BuiltRow, type FieldObject } from '../fixtures-builders/field-workbook.js';
import { allPages } from '../utils/pages.js';

const RATIONALE = '业务信息遭到破坏后会对社会秩序和公共利益造成严重损害。';
const VALUE_OF: Record<string, string> = { 符合: 'conform', 部分符合: 'partial', 不符合: 'nonconform', 不适用: 'na' };

interface Result {
  code: string;
  objectId: string | null;
  objectName: string | null;
  value: string;
  record: string | null;
  rowVersion: number;
  outsideDefaultMapping: boolean;
}
interface Match {
  sheet: string;
  row: number;
  code: string;
  objectId: string | null;
  matchedBy: string;
  similarity: number;
  outsideDefaultMapping: boolean;
}

// Objects as the field names them; two pairs share an IP (appliances behind one address).
const OBJECTS = [
  { category: 'server_storage', name: 'Web服务器', ip: '10.1.1.10', sheet: 'Web服务器  ' },
  { category: 'server_storage', name: 'DB服务器', ip: '10.1.1.10', sheet: ' DB服务器' },
  { category: 'security_device', name: '防火墙', ip: '10.1.1.1', sheet: '防火墙 ' },
  { category: 'security_device', name: '堡垒机', ip: '10.1.1.1', sheet: '堡垒机' },
  { category: 'management_platform', name: '云管平台', ip: '10.1.1.20', sheet: '云管平台' },
  { category: 'business_application', name: '业务应用系统', ip: '10.1.1.30', sheet: '业务应用系统 ' },
  { category: 'data_resource', name: '重要业务数据', ip: null, sheet: '重要业务数据' },
] as const;

describeEachEngine('field record workbooks (made by assessment organisations) import whole', (ctx) => {
  let app: Express;
  let officer: Agent, consultant: Agent;
  let orgs: { citybrain: string; bank: string };
  let n = 0;

  before(async () => {
    app = await createTestApp(ctx.db);
    officer = await signIn(app, 'officer');
    consultant = await signIn(app, 'consultant');
    orgs = await demoOrganizations(ctx.db);
  });

  /** A cloud-platform system (general + cloud sets) at the level, with the objects above, and a fresh assessment. */
  async function assessment(level: 3 | 4) {
    const sys = (await officer.post('/api/v1/systems').send({ organizationId: orgs.citybrain, name: `现场工作簿 ${level}-${++n}`, deployment: 'cloud' }).expect(201)).body;
    const degree = level === 3 ? 'serious' : 'especially_serious';
    await officer.post(`/api/v1/systems/${sys.id}/gradings`).send({ businessHarms: [{ object: 'social', degree }], serviceHarms: [{ object: 'citizens', degree: 'general' }], rationale: RATIONALE, gradedOn: '2026-01-05' }).expect(201);
    await consultant
      .post(`/api/v1/systems/${sys.id}/objects`)
      .send({ objects: OBJECTS.map((o) => ({ category: o.category, name: o.name, ...(o.ip ? { ip: o.ip } : {}), importance: 'key' })) })
      .expect(201);
    const a = (await consultant.post('/api/v1/assessments').send({ systemId: sys.id, kind: 'formal_test', startDate: '2026-11-01' }).expect(201)).body;
    expect(a.level).to.equal(level);
    expect(a.requirementSets).to.deep.equal(['general', 'cloud']);
    const objects: Array<{ id: string; name: string }> = (await consultant.get(`/api/v1/systems/${sys.id}/objects`).expect(200)).body.data;
    return { id: a.id as string, systemId: sys.id as string, objectId: (name: string) => objects.find((o) => o.name === name)!.id };
  }
  const results = async (id: string): Promise<Result[]> => (await allPages(consultant, `/api/v1/assessments/${id}/results`));
  const importXlsx = (id: string, file: Buffer, query = '', name = 'records.xlsx') => consultant.post(`/api/v1/assessments/${id}/workbook${query}`).attach('file', file, name);
  const fieldObjects: FieldObject[] = OBJECTS.map((o) => ({ name: o.name, ip: o.ip, sheet: o.sheet }));
  const at = (r: { sheet: string; row: number }) => `${r.sheet}!${r.row}`;

  for (const level of [3, 4] as const) {
    it(`imports a level-${level} field workbook whole: every row applied or listed with its reason, values and records byte-identical, counts per value preserved`, async function () {
      this.timeout(120_000);
      const a = await assessment(level);
      const { buffer, rows } = await buildFieldWorkbook(fieldWorkbookPlan(level, fieldObjects));
      const judged = rows.filter((r) => r.spec.code && !r.spec.copyOf);
      expect(judged.length).to.be.greaterThan(level === 3 ? 400 : 450);

      const dry = await importXlsx(a.id, buffer, '?dryRun=1').expect(200);
      // The counts come first in the answer.
      expect(Object.keys(dry.body)[0]).to.equal('counts');
      const copies = rows.filter((r) => r.spec.copyOf);
      const garbage = rows.filter((r) => !r.spec.code);
      expect(judged.length + copies.length + garbage.length).to.equal(rows.length);
      expect(dry.body.counts).to.include({ rows: rows.length, matched: judged.length, unmatched: garbage.length, duplicates: copies.length });
      expect(dry.body.problems).to.deep.equal([]);
      expect(dry.body.conflicts).to.deep.equal([]);

      // Every judged row matched the unit it was written from, on the right object.
      const matchAt = new Map<string, Match>(dry.body.matches.map((m: Match) => [at(m), m]));
      for (const r of judged) {
        const m = matchAt.get(at(r));
        expect(m, `${at(r)} ${r.spec.text}`).to.not.equal(undefined);
        expect(m!.code, at(r)).to.equal(r.spec.code);
        const object = OBJECTS.find((o) => o.sheet === r.sheet);
        if (object) expect(m!.objectId, at(r)).to.equal(a.objectId(object.name));
        if (r.sheet === '安全计算环境云扩展') expect(m!.objectId, at(r)).to.equal(null);
        expect(m!.matchedBy).to.be.oneOf(['exact', 'letter', 'similarity']);
      }
      // Wording variants match by similarity, with the similarity reported.
      const variants = judged.filter((r) => matchAt.get(at(r))!.matchedBy === 'similarity');
      expect(variants.length).to.be.greaterThan(20);
      for (const r of variants) expect(matchAt.get(at(r))!.similarity).to.be.within(0.8, 0.99);
      // Rows copied into another sheet's block: duplicates of their originals, not unknown.
      expect(dry.body.duplicates.map((d: { sheet: string; row: number; message: string }) => [at(d), d.message])).to.deep.equal(
        copies.map((c) => {
          const original = rows.find((r) => r.sheet === c.spec.copyOf!.sheet && r.spec === rows.filter((x) => x.sheet === c.spec.copyOf!.sheet)[c.spec.copyOf!.index]!.spec)!;
          return [at(c), `duplicate of ${at(original)}`];
        }),
      );
      // The row that matches nothing is listed with the nearest unit of its control point.
      expect(dry.body.unmatched).to.have.length(1);
      expect(dry.body.unmatched[0]).to.include({ sheet: garbage[0]!.sheet, row: garbage[0]!.row, reason: 'no_matching_requirement' });
      expect(dry.body.unmatched[0].nearest.code).to.match(new RegExp(`^L${level}-CES1-0[1-4]$`));
      expect(dry.body.unmatched[0].nearest.similarity).to.be.below(0.8);
      // Items outside the default mapping (e.g. every CES item on the firewall and on the data set) are kept.
      const outside = dry.body.matches.filter((m: Match) => m.outsideDefaultMapping);
      expect(dry.body.counts.outsideMapping).to.equal(outside.length);
      for (const name of ['防火墙', '重要业务数据']) {
        expect(outside.filter((m: Match) => m.objectId === a.objectId(name)).length, name).to.be.greaterThan(10);
      }
      expect(await results(a.id)).to.satisfy((rs: Result[]) => rs.every((r) => r.value === 'not_assessed'));

      const res = await importXlsx(a.id, buffer).expect(200);
      expect(res.body.applied).to.equal(judged.length);
      const after = await results(a.id);
      const byKey = new Map(after.map((r) => [`${r.code}|${r.objectId ?? 'system'}`, r]));
      for (const r of judged) {
        const m = matchAt.get(at(r))!;
        const stored = byKey.get(`${m.code}|${m.objectId ?? 'system'}`);
        expect(stored, at(r)).to.not.equal(undefined);
        expect(stored!.value, at(r)).to.equal(VALUE_OF[r.spec.result]);
        expect(stored!.record, at(r)).to.equal(r.spec.record);
        expect(stored!.outsideDefaultMapping, at(r)).to.equal(m.outsideDefaultMapping);
      }
      // Counts per value: the file's judged rows == the assessment's rows; nothing left unassessed.
      const fileCounts = Object.fromEntries(VALUES.map((v) => [VALUE_OF[v], judged.filter((r) => r.spec.result === v).length]));
      const stored = Object.fromEntries(VALUES.map((v) => [VALUE_OF[v], after.filter((r) => r.value === VALUE_OF[v]).length]));
      expect(stored).to.deep.equal(fileCounts);
      expect(after.filter((r) => r.value === 'not_assessed')).to.deep.equal([]);
      // The summary counts every row, those outside the default mapping and the whole-system cloud rows included.
      const summary = (await consultant.get(`/api/v1/assessments/${a.id}/summary`).expect(200)).body;
      expect(summary.resultCounts).to.deep.equal({ ...fileCounts, not_assessed: 0 });
      expect(summary.units.complete).to.equal(summary.units.total);
      // The cloud computing-environment items are judged once for the system.
      const cloudCes = after.filter((r) => r.code.startsWith(`L${level}-CES2-`));
      expect(cloudCes.length).to.be.greaterThan(5);
      expect(cloudCes.every((r) => r.objectId === null)).to.equal(true);

      // Importing the same file again changes nothing.
      const again = await importXlsx(a.id, buffer, '?dryRun=1').expect(200);
      expect(again.body.counts).to.include({ changed: 0, unchanged: judged.length, outsideMapping: 0 });
      // dengbao's own export of the result (rows outside the default mapping included) reads back unchanged.
      const exported = (await consultant.get(`/api/v1/assessments/${a.id}/workbook.xlsx`).buffer(true).parse(binary).expect(200)).body as Buffer;
      const round = await importXlsx(a.id, exported, '?dryRun=1').expect(200);
      expect(round.body.counts).to.include({ matched: after.length, changed: 0, unchanged: after.length, unmatched: 0, problems: 0 });
    });
  }

  it('matches the two catalogue wordings the field disagrees with (L3-SMC1-04, L3-CMS2-08) by similarity', async function () {
    this.timeout(60_000);
    const a = await assessment(3);
    const { buffer, rows } = await buildFieldWorkbook(fieldWorkbookPlan(3, fieldObjects));
    const dry = await importXlsx(a.id, buffer, '?dryRun=1').expect(200);
    for (const [code, wording] of [['L3-SMC1-04', '对审计记录应进行分析'], ['L3-CMS2-08', '应将供应商的重要变更']]) {
      const r = rows.find((x) => x.spec.code === code && !x.spec.copyOf)!;
      expect(r.spec.text).to.contain(wording);
      const m = dry.body.matches.find((x: Match) => x.sheet === r.sheet && x.row === r.row);
      expect(m).to.include({ code, matchedBy: 'similarity' });
      expect(m.similarity).to.be.within(0.9, 0.99);
    }
  });

  it('answers 422 naming both levels for a workbook of another level, and applies nothing', async function () {
    this.timeout(60_000);
    const a3 = await assessment(3);
    const a4 = await assessment(4);
    const l4 = (await buildFieldWorkbook(fieldWorkbookPlan(4, fieldObjects))).buffer;
    const l3 = (await buildFieldWorkbook(fieldWorkbookPlan(3, fieldObjects))).buffer;
    for (const [target, file, fileLevel, level] of [[a3, l4, 4, 3], [a4, l3, 3, 4]] as const) {
      for (const q of ['?dryRun=1', '']) {
        const res = await importXlsx(target.id, file, q).expect(422);
        expect(res.body.error).to.include({ code: 'workbook_level_mismatch' });
        expect(res.body.error.details[0]).to.include({ code: 'level_mismatch', fileLevel, assessmentLevel: level });
        expect(res.body.error.message).to.contain(`第${fileLevel}级`).and.contain(`第${level}级`);
      }
      expect((await results(target.id)).every((r) => r.value === 'not_assessed')).to.equal(true);
    }
    const en = await consultant.post(`/api/v1/assessments/${a3.id}/workbook`).set('Accept-Language', 'en').attach('file', l4, 'x.xlsx').expect(422);
    expect(en.body.error.message).to.equal('The workbook is a level 4 record workbook; this assessment is level 3');
  });

  it('answers 422 with the reason and the first unmatched rows (nearest units) when no row matches', async function () {
    this.timeout(60_000);
    const a = await assessment(3);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('安全管理制度');
    ws.getRow(1).values = ['扩展标准', '控制点', '测评项', '结果记录', '符合情况'];
    ws.getRow(2).values = ['安全通用要求', '安全策略', 'a）应对食堂菜单进行每周评审。', '已评审', '符合'];
    ws.getRow(3).values = ['', '管理制度', 'b）应对停车场进行绿化。', '', '不符合'];
    const other = wb.addWorksheet('不知道是什么');
    other.getRow(1).values = ['扩展标准', '控制点', '测评项', '结果记录', '符合情况'];
    other.getRow(2).values = ['安全通用要求', '身份鉴别', '应对登录的用户进行身份标识和鉴别。', '', '符合'];
    const file = Buffer.from(await wb.xlsx.writeBuffer());
    for (const q of ['?dryRun=1', '']) {
      const res = await importXlsx(a.id, file, q).expect(422);
      expect(res.body.error.code).to.equal('workbook_unmatched');
      expect(res.body.error.details.map((d: { path: string; code: string }) => [d.path, d.code])).to.deep.equal([
        ['安全管理制度!2', 'no_matching_requirement'],
        ['安全管理制度!3', 'no_matching_requirement'],
        ['不知道是什么!2', 'unknown_sheet'],
      ]);
      expect(res.body.error.details[0].nearest.code).to.equal('L3-PSS1-01');
      expect(res.body.error.details[1].nearest.code).to.match(/^L3-PSS1-0[2-5]$/);
    }
  });

  it('refuses a workbook that is not xlsx with 415 and applies nothing when a matched row cannot apply', async function () {
    this.timeout(60_000);
    const a = await assessment(3);
    await importXlsx(a.id, Buffer.from('扩展标准,控制点,测评项\n'), '', 'records.csv').expect(415);
    await importXlsx(a.id, Buffer.from('%PDF-1.4 not a workbook'), '', 'records.xlsx').expect(415);
    // A row outside the default mapping and a row with an unknown result: 400, nothing added, nothing written.
    const plan = fieldWorkbookPlan(3, fieldObjects).filter((s) => s.name === '防火墙 ');
    plan[0]!.rows[5]!.result = '基本符合';
    const { buffer } = await buildFieldWorkbook(plan);
    const before = await results(a.id);
    const res = await importXlsx(a.id, buffer);
    expect(res.status, JSON.stringify(res.body).slice(0, 400)).to.equal(400);
    expect(res.body.error.details.map((d: { code: string }) => d.code)).to.deep.equal(['invalid_result']);
    expect(await results(a.id)).to.deep.equal(before);
    // A file whose only row has an unknown result: that problem (400), not "nothing matches".
    plan[0]!.rows = [plan[0]!.rows[5]!];
    const single = await importXlsx(a.id, (await buildFieldWorkbook(plan)).buffer);
    expect(single.status, JSON.stringify(single.body).slice(0, 400)).to.equal(400);
    expect(single.body.error.details.map((d: { code: string }) => d.code)).to.deep.equal(['invalid_result']);
  });

  it('lets the assessor add a whole-system row for a per-object unit and remove rows outside the default mapping', async function () {
    this.timeout(60_000);
    const a = await assessment(3);
    const firewall = a.objectId('防火墙');
    const before = await results(a.id);
    const perObject = before.filter((r) => r.code === 'L3-CES2-01');
    expect(perObject.length).to.be.greaterThan(0);
    expect(perObject.every((r) => r.objectId !== null)).to.equal(true);
    // Once for the system: the unit's per-object rows (not assessed) make way for the system row.
    const added = (await consultant.post(`/api/v1/assessments/${a.id}/results/outside-mapping`).send({ code: 'L3-CES2-01', objectId: 'system' }).expect(201)).body;
    expect(added).to.include({ code: 'L3-CES2-01', objectId: null, value: 'not_assessed', outsideDefaultMapping: true, rowVersion: 1 });
    expect((await results(a.id)).filter((r) => r.code === 'L3-CES2-01').map((r) => r.objectId)).to.deep.equal([null]);
    await consultant.put(`/api/v1/assessments/${a.id}/results/L3-CES2-01`).send({ objectId: 'system', value: 'nonconform', record: '未启用', rowVersion: 1 }).expect(200);
    const summary = (await consultant.get(`/api/v1/assessments/${a.id}/summary`).expect(200)).body;
    expect(summary.resultCounts.nonconform).to.equal(1);
    // On an object outside the unit's default categories.
    expect(before.some((r) => r.code === 'L3-CES1-20' && r.objectId === firewall)).to.equal(false);
    await consultant.post(`/api/v1/assessments/${a.id}/results/outside-mapping`).send({ code: 'L3-CES1-20', objectId: firewall }).expect(201);
    await consultant.post(`/api/v1/assessments/${a.id}/results/outside-mapping`).send({ code: 'L3-CES1-20', objectId: firewall }).expect(409);
    await consultant.post(`/api/v1/assessments/${a.id}/results/outside-mapping`).send({ code: 'L4-CES1-20', objectId: firewall }).expect(400);
    // Default-mapping rows cannot be removed; rows outside it can, and the per-object rows come back.
    const inDefault = before.find((r) => r.code === 'L3-CES1-01')!;
    await consultant.delete(`/api/v1/assessments/${a.id}/results/L3-CES1-01?objectId=${inDefault.objectId ?? 'system'}`).expect(409);
    await consultant.delete(`/api/v1/assessments/${a.id}/results/L3-CES1-20?objectId=${firewall}`).expect(204);
    await consultant.delete(`/api/v1/assessments/${a.id}/results/L3-CES2-01?objectId=system`).expect(204);
    await consultant.delete(`/api/v1/assessments/${a.id}/results/L3-CES2-01?objectId=system`).expect(404);
    const after = await results(a.id);
    expect(after.filter((r) => r.code === 'L3-CES2-01').map((r) => r.objectId).sort()).to.deep.equal(perObject.map((r) => r.objectId).sort());
    expect(after.some((r) => r.code === 'L3-CES1-20' && r.objectId === firewall)).to.equal(false);
    // The workspace marks such rows and offers a button to remove them.
    await consultant.post(`/api/v1/assessments/${a.id}/results/outside-mapping`).send({ code: 'L3-CES1-20', objectId: firewall }).expect(201);
    const page = await consultant.get(`/assessments/${a.id}?layer=CES&object=${firewall}`).expect(200);
    const forms = page.text.match(/<form method="post" action="[^"]*results-remove" class="remove-row">[\s\S]*?<\/form>/g) ?? [];
    expect(forms).to.have.length(1);
    expect(forms[0]).to.contain('value="L3-CES1-20"').and.contain(`value="${firewall}"`);
    expect(page.text).to.contain('超出默认映射');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    await consultant.post(`/assessments/${a.id}/results-remove`).type('form').send({ _csrf: csrf, code: 'L3-CES1-20', objectId: firewall, back: `/assessments/${a.id}` }).expect(303);
    expect((await results(a.id)).some((r) => r.code === 'L3-CES1-20' && r.objectId === firewall)).to.equal(false);
    const auditor = await signIn(app, 'auditor');
    await auditor.post(`/api/v1/assessments/${a.id}/results/outside-mapping`).send({ code: 'L3-CES1-20', objectId: firewall }).expect(403);
  });

  it('applies a file judging cloud computing-environment items both per object and once for the system', async function () {
    this.timeout(60_000);
    const a = await assessment(3);
    const plan = fieldWorkbookPlan(3, fieldObjects);
    const cloudSheet = plan.find((s) => s.name === '安全计算环境云扩展')!;
    const platform = plan.find((s) => s.name === '云管平台')!;
    // The management platform's sheet also carries the cloud items (its default mapping has them).
    platform.rows.push(...cloudSheet.rows.map((r) => ({ ...r, record: `云管平台：${r.record}`, result: '符合' })));
    const { buffer, rows } = await buildFieldWorkbook([platform, cloudSheet]);
    const res = await importXlsx(a.id, buffer).expect(200);
    expect(res.body.applied).to.equal(rows.length);
    const after = await results(a.id);
    const cloud = after.filter((r) => r.code.startsWith('L3-CES2-'));
    for (const r of cloudSheet.rows) {
      expect(cloud.find((x) => x.code === r.code && x.objectId === null), r.code).to.include({ value: VALUE_OF[r.result], record: r.record, outsideDefaultMapping: true });
      expect(cloud.find((x) => x.code === r.code && x.objectId === a.objectId('云管平台')), r.code).to.include({ value: 'conform', record: `云管平台：${r.record}` });
    }
    // Other objects' rows of those units, not judged, made way for the whole-system row.
    expect(cloud.filter((r) => r.value === 'not_assessed')).to.deep.equal([]);
  });

  it('matches object sheets by name first: a shared IP decides nothing when the names differ', async function () {
    this.timeout(60_000);
    const a = await assessment(3);
    const plan = fieldWorkbookPlan(3, fieldObjects);
    const pick = (name: string) => plan.find((s) => s.name === name)!;
    // 堡垒机 and 防火墙 share 10.1.1.1; a sheet named after neither, with that IP, matches no object.
    const stranger = { ...pick('堡垒机'), name: '安全设备A' };
    const { buffer, rows } = await buildFieldWorkbook([pick('防火墙 '), pick('堡垒机'), stranger]);
    const dry = await importXlsx(a.id, buffer, '?dryRun=1').expect(200);
    const objectOf = (sheet: string) => new Set(dry.body.matches.filter((m: Match) => m.sheet === sheet).map((m: Match) => m.objectId));
    expect([...objectOf('防火墙 ')]).to.deep.equal([a.objectId('防火墙')]);
    expect([...objectOf('堡垒机')]).to.deep.equal([a.objectId('堡垒机')]);
    const strangerRows = rows.filter((r: BuiltRow) => r.sheet === '安全设备A');
    expect(dry.body.unmatched.filter((u: { sheet: string; reason: string }) => u.sheet === '安全设备A' && u.reason === 'unknown_sheet')).to.have.length(strangerRows.length);
  });

  it('shows the counts at the top of the dry-run page', async function () {
    this.timeout(60_000);
    const a = await assessment(3);
    const { buffer, rows } = await buildFieldWorkbook(fieldWorkbookPlan(3, fieldObjects));
    const page = await consultant.get(`/assessments/${a.id}/reports`).expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const res = await consultant.post(`/assessments/${a.id}/workbook-import?_csrf=${encodeURIComponent(csrf)}`).attach('file', buffer, 'field.xlsx').expect(200);
    const counts = /<p class="import-counts">([\s\S]*?)<\/p>/.exec(res.text)![1]!;
    const judged = rows.filter((r) => r.spec.code && !r.spec.copyOf).length;
    expect(counts).to.contain(`<strong class="count-matched">${judged}</strong>`);
    expect(counts).to.contain('<strong class="count-duplicates">3</strong>');
    expect(counts).to.contain('<strong class="count-unmatched">1</strong>');
    expect(counts).to.match(/<strong class="count-outside">\d+<\/strong>/);
    expect(res.text.indexOf('import-counts')).to.be.below(res.text.indexOf('count-changed'));
    expect(res.text).to.contain('duplicate of 安全通信网络!');
  });
});
