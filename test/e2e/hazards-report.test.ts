import { expect } from 'chai';
import ExcelJS from 'exceljs';
import type { Express } from 'express';
import yauzl from 'yauzl';
import type { PdfPrinter } from '../../reports/pdf/chromium.js';
import type { PackManifest } from '../../reports/pack/manifest.js';
import { todayInChina } from '../../server/dates.js';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { level3Assessment, recordResults } from '../utils/assessments.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { binary } from '../utils/http.js';
import { pdfText } from '../utils/pdf.js';
import { waitDone } from '../utils/docx.js';

const REASONS = { relevance: '涉及核心数据库服务器', severity: '可获取数据库管理员权限', prevalence: '弱口令是最常被利用的入口' };


async function unzip(buf: Buffer): Promise<Map<string, Buffer>> {
  const zip = await yauzl.fromBufferPromise(buf);
  const out = new Map<string, Buffer>();
  for await (const entry of zip.eachEntry()) {
    const chunks: Buffer[] = [];
    for await (const c of (await zip.openReadStreamPromise(entry)) as AsyncIterable<Buffer>) chunks.push(c);
    out.set(entry.fileName, Buffer.concat(chunks));
  }
  return out;
}

const flat = (s: string) => s.replace(/\s+/g, '');

describeEachEngine('major risk hazards: findings board → test report, workbook, evidence pack', (ctx) => {
  let app: Express;
  let officer: Agent, consultant: Agent, auditor: Agent;
  let a: { id: string };
  let weak: { id: string; number: string }, exposure: { id: string; number: string };

  before(async function () {
    this.timeout(60_000);
    app = await createTestApp(ctx.db);
    officer = await signIn(app, 'officer');
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
    const orgs = await demoOrganizations(ctx.db);
    ({ assessment: a } = await level3Assessment(officer, consultant, orgs.citybrain));
    await recordResults(consultant, a.id, (code, i) => code === 'L3-CES1-01' || i % 20 === 7);
    weak = (await consultant.post(`/api/v1/assessments/${a.id}/findings`).send({ title: '数据库服务器存在弱口令', units: ['L3-CES1-01'], risk: 'medium' }).expect(201)).body;
    exposure = (await consultant.post(`/api/v1/assessments/${a.id}/findings`).send({ title: '互联网暴露的测试系统未下线', units: ['L3-ABS1-01'], risk: 'low' }).expect(201)).body;
  });
  after(async () => {
    await (app.locals.deps as { printer: PdfPrinter }).printer.close();
  });

  /** The findings board as the consultant sees it, with the form token. */
  const board = async () => {
    const html = (await consultant.get(`/assessments/${a.id}/findings`).expect(200)).text;
    return { html, csrf: /name="_csrf" value="([^"]+)"/.exec(html)![1]! };
  };
  const hazardId = async (number: string) => (await auditor.get(`/api/v1/assessments/${a.id}/hazards`)).body.data.find((h: { number: string }) => h.number === number).id as string;

  it('records, reasons, confirms and remediates hazards from the findings board', async () => {
    let { html, csrf } = await board();
    // The suggestion for A-18 comes from the weak-password finding's unit.
    expect(html).to.contain('A-18 存在空口令、弱口令、通用口令或无身份鉴别措施');
    expect(html).to.contain('高风险问题');

    // Without a finding the form comes back naming the field; nothing is recorded.
    const empty = await consultant.post(`/assessments/${a.id}/hazards`).type('form').send({ _csrf: csrf, triggerCode: 'A-18' }).expect(303);
    expect(decodeURIComponent(empty.headers.location!)).to.contain('fe.findingIds=');
    expect((await auditor.get(`/api/v1/assessments/${a.id}/hazards`)).body.data).to.deep.equal([]);

    // From the suggestion: one click records a suspected hazard.
    await consultant.post(`/assessments/${a.id}/hazards`).type('form').send({ _csrf: csrf, triggerCode: 'A-18', findingIds: weak.id }).expect(303);
    const z01 = await hazardId('Z01');
    // Reasons and confirmation in one form post.
    await consultant.post(`/hazards/${z01}`).type('form').send({ _csrf: csrf, rowVersion: '1', ...REASONS, description: '核心数据库使用弱口令', to: 'confirmed' }).expect(303);
    // A cross-cutting trigger on two findings of different risk, confirmed and remediated.
    await consultant
      .post(`/assessments/${a.id}/hazards`)
      .type('form')
      .send(`_csrf=${encodeURIComponent(csrf)}&triggerCode=A-32&findingIds=${weak.id}&findingIds=${exposure.id}&relevance=${encodeURIComponent('资产底数不清')}&severity=${encodeURIComponent('可被迂回攻击')}&prevalence=${encodeURIComponent('测试系统普遍未下线')}`)
      .expect(303);
    const z02 = await hazardId('Z02');
    await consultant.post(`/hazards/${z02}`).type('form').send({ _csrf: csrf, rowVersion: '1', relevance: '资产底数不清', severity: '可被迂回攻击', prevalence: '测试系统普遍未下线', to: 'confirmed' }).expect(303);
    await consultant.post(`/hazards/${z02}`).type('form').send({ _csrf: csrf, rowVersion: '2', relevance: '资产底数不清', severity: '可被迂回攻击', prevalence: '测试系统普遍未下线', to: 'remediated' }).expect(303);

    const hazards = (await auditor.get(`/api/v1/assessments/${a.id}/hazards`)).body.data;
    expect(hazards.map((h: { number: string; status: string; trigger: { code: string } }) => `${h.number} ${h.trigger.code} ${h.status}`)).to.deep.equal(['Z01 A-18 confirmed', 'Z02 A-32 remediated']);
    expect(hazards[0].principles).to.deep.equal(REASONS);
    expect(hazards[1].findings.map((f: { id: string }) => f.id).sort()).to.deep.equal([weak.id, exposure.id].sort());
    expect(hazards[1].dates.remediated).to.equal(todayInChina());

    ({ html } = await board());
    expect(html).to.contain('2（1个已整改）');
    // The workspace shows them beside the high-risk issues; the auditor reads without forms.
    const workspace = (await auditor.get(`/assessments/${a.id}`).expect(200)).text;
    expect(workspace).to.contain('重大风险隐患 <span data-hazard-count>2（1个已整改）</span>');
    expect(workspace).to.contain('Z01</a> A-18');
    const readOnly = (await auditor.get(`/assessments/${a.id}/findings`).expect(200)).text;
    expect(readOnly).not.to.contain(`action="/hazards/${z01}"`);
    await auditor.post(`/hazards/${z01}`).type('form').send({ _csrf: csrf, rowVersion: '3', to: 'suspected' }).expect((r) => expect(r.status).to.be.oneOf([303, 403]));
    expect((await auditor.get(`/api/v1/hazards/${z01}`)).body.status).to.equal('confirmed');
  });

  it('prints each hazard in chapter 7 and the fired triggers in appendix G of the PDF test report', async function () {
    this.timeout(180_000);
    const started = await consultant.post(`/api/v1/assessments/${a.id}/reports`).send({ type: 'test_report', format: 'pdf', lang: 'zh-CN' }).expect(202);
    const job = await waitDone(consultant, started.body.id, 120_000);
    expect(job.status, job.error).to.equal('done');
    const pdf = (await auditor.get(`/api/v1/reports/${job.id}/download`).buffer(true).parse(binary).expect(200)).body as Buffer;
    const text = flat(pdfText(pdf));
    // Conclusion page: the count before remediation, the remediated one marked.
    expect(text).to.contain('2（1个已整改）');
    const ch7 = text.slice(text.lastIndexOf('7安全问题风险分析'), text.lastIndexOf('8等级测评结论及整改建议'));
    expect(ch7).to.contain('重大风险隐患分析');
    expect(ch7).to.contain('Z01A-18存在空口令、弱口令、通用口令或无身份鉴别措施');
    expect(ch7).to.contain(`${weak.number}数据库服务器存在弱口令`);
    for (const reason of Object.values(REASONS)) expect(ch7).to.contain(reason);
    expect(ch7).to.contain('相关性');
    expect(ch7).to.contain('Z02A-32安全管理运维水平不足');
    expect(ch7).to.contain(`${exposure.number}互联网暴露的测试系统未下线`);
    const appG = text.slice(text.lastIndexOf('附录G重大风险隐患触发项参照表'));
    expect(appG).to.contain('表1重大风险隐患触发项参照表');
    for (const code of ['A-01', 'A-17', 'A-26', 'A-27', 'A-32']) expect(appG).to.contain(code);
    // The fired triggers carry the hazards' numbers.
    expect(appG).to.match(/A-18.*Z01/);
    expect(/A-18.{0,300}?A-19/.exec(appG)![0]).to.contain('Z01');
    expect(/A-32.*$/.exec(appG)![0]).to.contain('Z02');
    expect(/A-17.{0,300}?A-18/.exec(appG)![0]).not.to.contain('Z0');
  });

  it('writes the English conclusion count as 2 (1 remediated)', async () => {
    const started = await consultant.post(`/api/v1/assessments/${a.id}/reports`).send({ type: 'test_report', format: 'html', lang: 'en' }).expect(202);
    const job = await waitDone(consultant, started.body.id, 30_000);
    const html = (await auditor.get(`/api/v1/reports/${job.id}/download`).expect(200)).text;
    expect(html).to.contain('<td class="hazard-count">2 (1 remediated)');
    expect(html).to.contain('Appendix G Major-risk-hazard triggers');
    expect(html).to.contain('Z02 A-32 Security management and operations not good enough');
  });

  it('exports a sheet of hazards in the record workbook, which the import leaves alone', async () => {
    const res = await auditor.get(`/api/v1/assessments/${a.id}/workbook.xlsx`).buffer(true).parse(binary).expect(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.body);
    const ws = wb.getWorksheet('重大风险隐患')!;
    expect(ws, 'hazards sheet').to.not.equal(undefined);
    const row = (r: number) => [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12].map((c) => ws.getRow(r).getCell(c).value);
    expect(row(1)).to.deep.equal(['编号', '触发项', '触发项名称', '状态', '发现日期', '确认日期', '整改日期', '所依据的安全问题', '相关性', '严重性', '高发性', '描述']);
    const z01 = row(2);
    expect(z01.slice(0, 4)).to.deep.equal(['Z01', 'A-18', '存在空口令、弱口令、通用口令或无身份鉴别措施', '已确认']);
    expect(z01[7]).to.equal(`${weak.number} 数据库服务器存在弱口令`);
    expect(z01.slice(8, 12)).to.deep.equal([REASONS.relevance, REASONS.severity, REASONS.prevalence, '核心数据库使用弱口令']);
    expect(row(3).slice(0, 4)).to.deep.equal(['Z02', 'A-32', '安全管理运维水平不足', '已整改']);
    expect(row(3)[6]).to.equal(todayInChina());
    expect(String(row(3)[7]).split('\n').sort()).to.deep.equal([`${weak.number} 数据库服务器存在弱口令`, `${exposure.number} 互联网暴露的测试系统未下线`].sort());
    const en = new ExcelJS.Workbook();
    await en.xlsx.load((await auditor.get(`/api/v1/assessments/${a.id}/workbook.xlsx?lang=en`).buffer(true).parse(binary).expect(200)).body);
    expect(en.getWorksheet('Major risk hazards')!.getRow(3).getCell(4).value).to.equal('Remediated');
    // Importing the exported workbook back: the hazards sheet is not a sheet of results.
    const dry = await consultant.post(`/api/v1/assessments/${a.id}/workbook?dryRun=1`).attach('file', res.body, 'records.xlsx').expect(200);
    expect(JSON.stringify(dry.body)).not.to.contain('重大风险隐患');
  });

  it('carries the hazards in the evidence pack manifest', async () => {
    const zip = await auditor.get(`/api/v1/assessments/${a.id}/evidence-pack.zip`).buffer(true).parse(binary).expect(200);
    const manifest = JSON.parse((await unzip(zip.body)).get('manifest.json')!.toString('utf8')) as PackManifest;
    expect(manifest.summary.hazards).to.deep.include({ total: 2, remediated: 1, counted: 1, display: { zh: '2（1个已整改）', en: '2 (1 remediated)' } });
    expect(manifest.summary.hazards.list.map((h) => `${h.number} ${h.trigger} ${h.status} ${h.findings.join(',')}`)).to.deep.equal([
      `Z01 A-18 confirmed ${weak.number}`,
      `Z02 A-32 remediated ${[weak.number, exposure.number].sort().join(',')}`,
    ]);
    expect(manifest.summary.hazards.list[0]!.principles).to.deep.equal(REASONS);
  });
});
