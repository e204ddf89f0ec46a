import { expect } from 'chai';
import ExcelJS from 'exceljs';
import type { Express } from 'express';
import { binary } from '../utils/http.js';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { shippedCatalogue } from '../../server/catalogue/index.js';
import { allPages } from '../utils/pages.js';

const RATIONALE = '业务信息遭到破坏后会对公民、法人和其他组织的合法权益造成严重损害。';
const harms = (object: string, degree: string) => [{ object, degree }];
type Row = { code: string; objectId: string | null; objectName: string | null; rowVersion: number; value: string };

/** Rows an assessment must hold, computed here from the catalogue: per unit, its objects, else one system row. */
function expectedRows(level: number, sets: string[], categories: string[]): number {
  let n = 0;
  for (const u of shippedCatalogue().items.filter((i) => i.level === level && sets.includes(i.set))) {
    const cats = u.objectCategories as string[];
    n += cats.includes('system') ? 1 : Math.max(1, categories.filter((c) => cats.includes(c)).length);
  }
  return n;
}

describeEachEngine('level 2 and the extension sets', (ctx) => {
  let app: Express;
  let officer: Agent, consultant: Agent, auditor: Agent;
  let org: string;
  let n = 0;

  before(async () => {
    app = await createTestApp(ctx.db);
    officer = await signIn(app, 'officer');
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
    org = (await demoOrganizations(ctx.db)).citybrain;
  });

  /** Creates, grades (level 2: serious harm to citizens; level 3: serious harm to social order) and equips a system. */
  async function gradedSystem(level: 2 | 3, extensions: Record<string, boolean>, objects: Array<{ category: string; name: string }>) {
    const sys = (await officer.post('/api/v1/systems').send({ organizationId: org, name: `L${level} system ${++n}`, deployment: 'on_premises', extensions }).expect(201)).body;
    const grading = (
      await officer
        .post(`/api/v1/systems/${sys.id}/gradings`)
        .send({ businessHarms: level === 2 ? harms('citizens', 'serious') : harms('social', 'serious'), serviceHarms: harms('citizens', 'general'), rationale: RATIONALE, gradedOn: '2026-01-05' })
        .expect(201)
    ).body;
    expect(grading.level).to.equal(level);
    const created = (await consultant.post(`/api/v1/systems/${sys.id}/objects`).send({ objects: objects.map((o) => ({ ...o, importance: 'key' })) }).expect(201)).body.data;
    return { sys, objects: created as Array<{ id: string; name: string; category: string }> };
  }

  const LEVEL2_OBJECTS = [
    { category: 'server_storage', name: 'APP-SRV-01' },
    { category: 'network_device', name: 'CORE-SW-01' },
    { category: 'business_application', name: '社区服务系统' },
    { category: 'data_resource', name: '居民信息' },
  ];

  it('grading → assessment → summary at level 2: level-2 result rows, aggregation and the conclusion', async () => {
    const { sys } = await gradedSystem(2, {}, LEVEL2_OBJECTS);
    const a = (await consultant.post('/api/v1/assessments').send({ systemId: sys.id, kind: 'gap_analysis' }).expect(201)).body;
    expect(a).to.include({ level: 2, status: 'draft' });
    expect(a.requirementSets).to.deep.equal(['general']);
    const results: Row[] = (await allPages(auditor, `/api/v1/assessments/${a.id}/results`));
    expect(results).to.have.length(expectedRows(2, ['general'], LEVEL2_OBJECTS.map((o) => o.category)));
    expect(new Set(results.map((r) => r.code)).size).to.equal(135);
    expect(results.every((r) => r.code.startsWith('L2-'))).to.equal(true);
    // Identity (L2-CES1-01) is tested on the server, the switch and the application: 3 rows.
    expect(results.filter((r) => r.code === 'L2-CES1-01').map((r) => r.objectName).sort()).to.deep.equal(['APP-SRV-01', 'CORE-SW-01', '社区服务系统']);

    // Management units conform, the computing environment does not conform, everything else does not apply.
    const value = (code: string) => (/-(PSS|ORS|HRS|CMS|MMS)1-/.test(code) ? 'conform' : code.includes('-CES1-') ? 'nonconform' : 'na');
    const bulk = results.map((r) => ({ code: r.code, objectId: r.objectId, rowVersion: r.rowVersion, value: value(r.code) }));
    await consultant.post(`/api/v1/assessments/${a.id}/results/bulk`).send({ results: bulk }).expect(200);
    const summary = (await auditor.get(`/api/v1/assessments/${a.id}/summary`).expect(200)).body;
    // Level 2: management 6 + 9 + 7 + 25 + 31 = 78 units, CES 23.
    expect(summary.units.counts).to.include({ conform: 78, nonconform: 23, partial: 0 });
    expect(summary.progress.assessed).to.equal(summary.progress.total);
    expect(summary.conclusion.value).to.be.closeTo(78 / 101, 1e-9);
    expect(summary.byLayer.find((l: { layer: string }) => l.layer === 'MMS')).to.include({ rate: 1, units: 31 });
    expect(summary.byLayer.find((l: { layer: string }) => l.layer === 'CES')).to.include({ rate: 0, units: 23 });
    const ces = summary.byControlPoint.filter((c: { layer: string }) => c.layer === 'CES');
    expect(ces).to.have.length(10); // level 2 has no 数据保密性
  });

  it('suggests high-risk cases at level 2 only where the guide applies them from level 2', async () => {
    const { sys, objects } = await gradedSystem(2, {}, LEVEL2_OBJECTS);
    const a = (await consultant.post('/api/v1/assessments').send({ systemId: sys.id, kind: 'gap_analysis' }).expect(201)).body;
    const finding = (title: string, units: string[]) =>
      consultant.post(`/api/v1/assessments/${a.id}/findings`).send({ title, units, risk: 'medium', objects: [objects[0]!.id] }).expect(201);
    // 6.4.1.1 weak passwords: level 2 and above, 7.1.4.1 a).
    expect((await finding('存在弱口令', ['L2-CES1-01'])).body.highRiskCase).to.deep.include({ id: '6.4.1.1', status: 'suggested' });
    // 6.10.1.1 no emergency plan: level 2 a) is the plan itself.
    expect((await finding('未制定应急预案', ['L2-MMS1-28'])).body.highRiskCase).to.deep.include({ id: '6.10.1.1' });
    // 6.1.1.1 machine-room access control applies from level 3: nothing at level 2.
    expect((await finding('机房无人值守', ['L2-PES1-03'])).body.highRiskCase).to.equal(null);
    // Every case the guide applies from level 2 lists its level-2 units — except 7.4.3.2 (migration means for cloud
    // customers): the guide scopes it from level 2, but the requirement exists only from level 3 (no level-2 clause).
    const cases = (await auditor.get('/api/v1/catalogue/high-risk-cases?level=2').expect(200)).body.data as Array<{ id: string; minLevel: number; units: string[] }>;
    expect(cases.length).to.be.greaterThan(20);
    expect(cases.filter((c) => !c.units.length).map((c) => c.id)).to.deep.equal(['7.4.3.2']);
    expect(cases.every((c) => c.minLevel <= 2 && c.units.every((u) => u.startsWith('L2-')))).to.equal(true);
    // A level-3 unit is not in a level-2 assessment's scope.
    const out = await consultant.post(`/api/v1/assessments/${a.id}/findings`).send({ title: 'x', units: ['L3-CES1-01'], risk: 'low' }).expect(400);
    expect(out.body.error.details[0]).to.include({ path: 'units', code: 'out_of_scope' });
  });

  it('selects the mobile, IoT and industrial-control sets through the system’s extension flags, on their own objects', async () => {
    const { sys } = await gradedSystem(3, { mobile: true, iot: true, ics: true, bigData: true }, [
      { category: 'server_storage', name: 'SCADA-SRV-01' },
      { category: 'wireless_access_point', name: 'AP-01' },
      { category: 'mobile_terminal', name: '巡检平板-01' },
      { category: 'sensor_node', name: '温度传感器-01' },
      { category: 'gateway_node', name: '物联网关-01' },
      { category: 'control_device', name: 'PLC-01' },
    ]);
    const system = (await auditor.get(`/api/v1/systems/${sys.id}`).expect(200)).body;
    expect(system.extensions).to.include({ mobile: true, iot: true, ics: true, bigData: true });
    expect(system.requirementSets).to.deep.equal(['general', 'mobile', 'iot', 'ics']);
    const a = (await consultant.post('/api/v1/assessments').send({ systemId: sys.id, kind: 'gap_analysis' }).expect(201)).body;
    // Big data has no numbered units (annex H): its flag adds no set.
    expect(a.requirementSets).to.deep.equal(['general', 'mobile', 'iot', 'ics']);
    const results: Row[] = (await allPages(auditor, `/api/v1/assessments/${a.id}/results`));
    const cats = ['server_storage', 'wireless_access_point', 'mobile_terminal', 'sensor_node', 'gateway_node', 'control_device'];
    expect(results).to.have.length(expectedRows(3, ['general', 'mobile', 'iot', 'ics'], cats));
    const on = (code: string) => results.filter((r) => r.code === code).map((r) => r.objectName);
    expect(on('L3-ABS3-04')).to.deep.equal(['AP-01']); // attacks on wireless access devices
    expect(on('L3-CES3-01')).to.deep.equal(['巡检平板-01']); // terminal-management client
    expect(on('L3-CES4-01')).to.deep.equal(['温度传感器-01']); // sensor-node configuration
    expect(on('L3-CES4-04')).to.deep.equal(['物联网关-01']); // gateway authentication
    expect(on('L3-CES5-01')).to.deep.equal(['PLC-01']); // control-device security
    expect(on('L3-CNS5-01')).to.deep.equal([null]); // ICS zone isolation: once per system
    // No cloud units without the cloud flag.
    expect(results.some((r) => /^L3-[A-Z]{3}2-/.test(r.code))).to.equal(false);
    // An extension unit suggests its case.
    const plc = results.find((r) => r.code === 'L3-CES5-05')!;
    const f = (await consultant.post(`/api/v1/assessments/${a.id}/findings`).send({ title: 'PLC上线前未检测固件', units: ['L3-CES5-05'], risk: 'medium', objects: [plc.objectId] }).expect(201)).body;
    expect(f.highRiskCase).to.deep.include({ id: '10.4.1.2', status: 'suggested' });
    // The summary groups the extension control points under their own sets.
    const summary = (await auditor.get(`/api/v1/assessments/${a.id}/summary`).expect(200)).body;
    const sets = new Set(summary.byControlPoint.map((c: { set: string }) => c.set));
    expect([...sets]).to.have.members(['general', 'mobile', 'iot', 'ics']);
  });

  it('the new-system form offers the extension sets and stores the flags', async () => {
    const page = await officer.get('/systems/new').expect(200);
    for (const name of ['ext_mobile', 'ext_iot', 'ext_ics', 'ext_bigData']) expect(page.text).to.contain(`name="${name}"`);
    expect(page.text).to.contain('工业控制系统安全扩展要求');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const res = await officer.post('/systems').type('form').send({ _csrf: csrf, organizationId: org, name: `Form system ${++n}`, deployment: 'on_premises', ext_iot: '1', ext_ics: '1' }).expect(303);
    const id = /\/systems\/([0-9a-f-]{36})/.exec(res.headers.location as string)![1];
    const sys = (await auditor.get(`/api/v1/systems/${id}`).expect(200)).body;
    expect(sys.extensions).to.deep.equal({ cloud: false, mobile: false, iot: true, ics: true, bigData: false });
  });

  it('refuses an unknown object category and stores nothing', async () => {
    const sys = (await officer.post('/api/v1/systems').send({ organizationId: org, name: `Objects ${++n}`, deployment: 'on_premises' }).expect(201)).body;
    await consultant.post(`/api/v1/systems/${sys.id}/objects`).send({ category: 'spaceship', name: 'X', importance: 'key' }).expect(400);
    await consultant.post(`/api/v1/systems/${sys.id}/objects`).send({ category: 'mdm', name: 'MDM-01', importance: 'key' }).expect(201);
    expect((await auditor.get(`/api/v1/systems/${sys.id}/objects`)).body.data.map((o: { name: string }) => o.name)).to.deep.equal(['MDM-01']);
  });

  it('a level-2 tenant on a valid level-3 cloud platform inherits every level-2 provider unit', async () => {
    const p = (
      await officer
        .post('/api/v1/platforms')
        .send({ organizationId: org, provider: '阿里云', product: `专有云 L2-${++n}`, level: 3, reportNumber: 'P-26-0001-02', assessingOrganization: '测评机构', conclusion: '符合', testDate: '2026-06-01' })
        .expect(201)
    ).body;
    const sys = (await officer.post('/api/v1/systems').send({ organizationId: org, name: `L2 tenant ${++n}`, deployment: 'cloud', platformId: p.id }).expect(201)).body;
    await officer.post(`/api/v1/systems/${sys.id}/gradings`).send({ businessHarms: harms('citizens', 'serious'), serviceHarms: harms('citizens', 'general'), rationale: RATIONALE, gradedOn: '2026-01-05' }).expect(201);
    await consultant.post(`/api/v1/systems/${sys.id}/objects`).send({ objects: [{ category: 'server_storage', name: 'ECS-01', importance: 'key' }] }).expect(201);
    const a = (await consultant.post('/api/v1/assessments').send({ systemId: sys.id, kind: 'formal_test', startDate: '2026-11-01' }).expect(201)).body;
    expect(a).to.include({ level: 2 });
    expect(a.requirementSets).to.deep.equal(['general', 'cloud']);
    const provider = shippedCatalogue().items.filter((u) => u.level === 2 && u.cloudResponsibility === 'provider');
    expect(provider.length).to.be.greaterThan(15);
    expect(a.inheritance).to.include({ state: 'applied', platformId: p.id, inheritedUnits: provider.length });
    const results: Array<Row & { inherited: boolean; record: string }> = (await allPages(auditor, `/api/v1/assessments/${a.id}/results`));
    const inherited = results.filter((r) => r.inherited);
    expect(new Set(inherited.map((r) => r.code))).to.deep.equal(new Set(provider.map((u) => u.code)));
    expect(inherited.map((r) => r.code)).to.include.members(['L2-PES1-01', 'L2-PES2-01']);
    expect(inherited.every((r) => r.value === 'conform' && r.record.includes('P-26-0001-02'))).to.equal(true);
  });

  it('renders the level-2 test report (HTML) with the extension control points under their set', async () => {
    const { sys, objects } = await gradedSystem(2, { ics: true }, [...LEVEL2_OBJECTS, { category: 'control_device', name: 'PLC-01' }]);
    const a = (await consultant.post('/api/v1/assessments').send({ systemId: sys.id, kind: 'gap_analysis' }).expect(201)).body;
    const plc = objects.find((o) => o.name === 'PLC-01')!;
    await consultant.put(`/api/v1/assessments/${a.id}/results/L2-CES5-01`).send({ objectId: plc.id, value: 'nonconform', record: 'PLC无身份鉴别', rowVersion: 1 }).expect(200);
    const job = (await consultant.post(`/api/v1/assessments/${a.id}/reports`).send({ type: 'test_report', format: 'html', lang: 'zh-CN' }).expect(202)).body;
    let done: { status: string; error?: string; id: string } = job;
    for (let i = 0; i < 300 && done.status !== 'done' && done.status !== 'failed'; i++) {
      await new Promise((r) => setTimeout(r, 200));
      done = (await consultant.get(`/api/v1/reports/${job.id}`).expect(200)).body;
    }
    expect(done.status, done.error).to.equal('done');
    const html = (await auditor.get(`/api/v1/reports/${job.id}/download`).expect(200)).text;
    expect(html).to.contain(sys.name);
    expect(html).to.contain('控制设备安全');
    expect(html).to.contain('工业控制系统安全扩展要求');
    expect(html).to.contain('PLC无身份鉴别');
    expect(html).to.contain('S2A1G2');
  });

  describe('record workbook at level 2', () => {
    const LABEL: Record<string, string> = { conform: '符合', partial: '部分符合', nonconform: '不符合', na: '不适用' };
    const load = async (buffer: Buffer) => {
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(buffer as unknown as ArrayBuffer);
      return wb;
    };
    const save = async (wb: ExcelJS.Workbook) => Buffer.from(await wb.xlsx.writeBuffer());
    const key = (code: string, objectId: string | null) => `${code}|${objectId ?? 'system'}`;

    async function level2Assessment() {
      const { sys, objects } = await gradedSystem(2, {}, LEVEL2_OBJECTS);
      const a = (await consultant.post('/api/v1/assessments').send({ systemId: sys.id, kind: 'gap_analysis' }).expect(201)).body;
      return { a, objects };
    }

    it('exports a level-2 assessment and imports it back: changed cells are applied exactly', async () => {
      const { a } = await level2Assessment();
      const results = async (): Promise<Row[]> => (await allPages(consultant, `/api/v1/assessments/${a.id}/results`));
      const before = await results();
      const file = (await consultant.get(`/api/v1/assessments/${a.id}/workbook.xlsx`).buffer(true).parse(binary).expect(200)).body as Buffer;
      const wb = await load(file);
      // dengbao's hidden machine columns: F code, G object id, H row version.
      const rows: Array<{ ws: ExcelJS.Worksheet; row: number; code: string; objectId: string | null }> = [];
      wb.eachSheet((ws) =>
        ws.eachRow((row, n) => {
          const code = row.getCell(6).value;
          if (typeof code === 'string' && /^L\d-[A-Z]{3}\d-\d{2}$/.test(code)) {
            const o = String(row.getCell(7).value);
            rows.push({ ws, row: n, code, objectId: o === 'system' ? null : o });
          }
        }),
      );
      expect(rows).to.have.length(before.length);
      expect(rows.every((r) => r.code.startsWith('L2-'))).to.equal(true);
      const picked = [0, 7, 30, 61, 99, 150].map((i) => rows[i]!);
      for (const p of picked) p.ws.getRow(p.row).getCell(5).value = LABEL.nonconform!;
      const res = await consultant.post(`/api/v1/assessments/${a.id}/workbook`).attach('file', await save(wb), 'level2.xlsx').expect(200);
      expect(res.body).to.include({ applied: picked.length });
      expect(res.body.problems).to.deep.equal([]);
      expect(res.body.conflicts).to.deep.equal([]);
      const after = await results();
      const changed = after.filter((r) => r.value !== 'not_assessed').map((r) => key(r.code, r.objectId)).sort();
      expect(changed).to.deep.equal(picked.map((p) => key(p.code, p.objectId)).sort());
      expect(after.filter((r) => r.value === 'nonconform')).to.have.length(picked.length);
    });

    it('imports a level-2 field workbook (same layout, fewer items) by control point and text', async () => {
      const { a, objects } = await level2Assessment();
      const server = objects.find((o) => o.name === 'APP-SRV-01')!;
      const all: Row[] = (await allPages(consultant, `/api/v1/assessments/${a.id}/results`));
      const cat = shippedCatalogue();
      const ces = all.filter((r) => r.objectId === server.id && r.code.startsWith('L2-CES1-')).slice(0, 5);
      const wb = new ExcelJS.Workbook();
      const ws = wb.addWorksheet('APP-SRV-01');
      ws.getCell('A1').value = 'IP：10.0.1.11';
      ws.getRow(2).values = ['扩展标准', '控制点', '测评项', '结果记录', '符合情况'];
      ces.forEach((r, i) => {
        const unit = cat.byCode.get(r.code)!;
        ws.getRow(3 + i).values = [i === 0 ? '安全通用要求' : '', unit.controlPoint.zh, unit.text.zh, `二级现场记录 ${i}`, '部分符合'];
      });
      const dry = await consultant.post(`/api/v1/assessments/${a.id}/workbook?dryRun=1`).attach('file', await save(wb), 'field-l2.xlsx').expect(200);
      expect(dry.body.problems).to.deep.equal([]);
      expect(dry.body.unmatched).to.deep.equal([]);
      expect(dry.body.changed.map((c: { code: string }) => c.code).sort()).to.deep.equal(ces.map((r) => r.code).sort());
      expect(dry.body.changed.every((c: { matchedBy: string }) => c.matchedBy === 'exact')).to.equal(true);
      await consultant.post(`/api/v1/assessments/${a.id}/workbook`).attach('file', await save(wb), 'field-l2.xlsx').expect(200);
      const after: Row[] = (await allPages(consultant, `/api/v1/assessments/${a.id}/results`));
      expect(after.filter((r) => r.value === 'partial').map((r) => r.code).sort()).to.deep.equal(ces.map((r) => r.code).sort());
    });

    it('labels the extension sets in the exported workbook', async () => {
      const { sys } = await gradedSystem(2, { ics: true }, [{ category: 'control_device', name: 'PLC-01' }]);
      const a = (await consultant.post('/api/v1/assessments').send({ systemId: sys.id, kind: 'gap_analysis' }).expect(201)).body;
      const wb = await load((await consultant.get(`/api/v1/assessments/${a.id}/workbook.xlsx`).buffer(true).parse(binary).expect(200)).body as Buffer);
      const labels = new Map<string, string>();
      wb.eachSheet((ws) =>
        ws.eachRow((row) => {
          const code = row.getCell(6).value;
          const label = row.getCell(1).value;
          if (typeof code === 'string' && typeof label === 'string' && label) labels.set(code, label);
        }),
      );
      expect(labels.get('L2-CES5-01')).to.equal('工业控制系统安全扩展要求');
      expect(labels.get('L2-CES1-01')).to.equal('安全通用要求');
    });
  });
});
