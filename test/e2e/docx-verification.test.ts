import { expect } from 'chai';
import type { Express } from 'express';
import type { PdfPrinter } from '../../reports/pdf/chromium.js';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { level3Assessment } from '../utils/assessments.js';
import { readDocx, waitDone, type ReadDocx } from '../utils/docx.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { binary } from '../utils/http.js';

type Table = ReadDocx['tables'][number];

/** The body text between two level-1 headings (exclusive), as the paragraphs show it. */
function chapter(doc: ReadDocx, from: string, to: string): string {
  const start = doc.paragraphs.lastIndexOf(from);
  const end = doc.paragraphs.indexOf(to, start + 1);
  expect(start, `heading ${from}`).to.be.greaterThan(-1);
  expect(end, `heading ${to} after ${from}`).to.be.greaterThan(start);
  return doc.paragraphs.slice(start + 1, end).join('\n');
}
const tableWith = (doc: ReadDocx, header: string[]): Table => {
  const t = doc.tables.find((x) => header.every((h, i) => x.rows[0]![i] === h));
  expect(t, `table ${header.join('|')}`).to.not.equal(undefined);
  return t!;
};

describeEachEngine('Word test report: verification tests, overall assessment, risk analysis, appendices E, F, I', (ctx) => {
  let app: Express;
  let consultant: Agent, officer: Agent;
  let demoId: string;

  async function docx(assessmentId: string, lang: string): Promise<ReadDocx> {
    const started = await consultant.post(`/api/v1/assessments/${assessmentId}/reports`).send({ type: 'test_report', format: 'docx', lang }).expect(202);
    const job = await waitDone(consultant, started.body.id);
    expect(job.status, job.error).to.equal('done');
    return readDocx((await consultant.get(`/api/v1/reports/${job.id}/download`).buffer(true).parse(binary).expect(200)).body);
  }

  before(async function () {
    this.timeout(60_000);
    app = await createTestApp(ctx.db);
    consultant = await signIn(app, 'consultant');
    officer = await signIn(app, 'officer');
    demoId = (await consultant.get('/api/v1/assessments?status=in_progress')).body.data.find((a: { kind: string }) => a.kind === 'formal_test').id;
  });
  after(async () => {
    await (app.locals.deps as { printer: PdfPrinter }).printer.close();
  });

  it('zh: chapters 4, 6, 7 and appendices E, F, I of the demo in order, from its data', async function () {
    this.timeout(120_000);
    const doc = await docx(demoId, 'zh-CN');
    const h1 = doc.headings.filter((h) => h.level === 1).map((h) => h.text);
    expect(h1.filter((h) => /^\d /.test(h) || h.startsWith('附录'))).to.deep.equal([
      '1 测评项目概述', '2 被测对象描述', '3 单项测评结果分析', '4 验证测试', '5 安全问题汇总', '6 整体测评', '7 安全问题风险分析', '8 等级测评结论及整改建议',
      '附录A 被测对象资产', '附录B 上次测评问题整改情况', '附录C 单项测评结果汇总', '附录D 单项测评结果记录', '附录E 漏洞扫描结果记录', '附录F 渗透测试结果记录', '附录G 重大风险隐患触发项参照表', '附录I 威胁列表',
    ]);
    const h2 = doc.headings.filter((h) => h.level === 2).map((h) => h.text);
    expect(h2.indexOf('4.2 渗透测试')).to.be.greaterThan(h2.indexOf('4.1 漏洞扫描'));

    // Chapter 4: the Nessus scan with its counts by severity, the unmatched host, per object, the pen-test cases.
    const ch4 = chapter(doc, '4 验证测试', '5 安全问题汇总');
    expect(ch4).not.to.contain('尚未');
    const scans = tableWith(doc, ['扫描', '扫描工具及版本']);
    expect(scans.header).to.equal(1);
    expect(scans.rows).to.have.length(2);
    expect(scans.rows[1]!.slice(1, 2)).to.deep.equal(['Nessus 10.7.2']);
    expect(scans.rows[1]!.slice(4, 8)).to.deep.equal(['0', '1', '2', '10.10.9.200']);
    const byObject = tableWith(doc, ['涉及对象', '高风险', '中风险', '低风险', '合计']);
    expect(byObject.header).to.equal(1);
    expect(byObject.rows.at(-1)).to.deep.equal(['合计', '0', '1', '2', '3']);
    expect(byObject.rows.map((r) => r[0])).to.include('应用服务器 APP-02');
    const cases = tableWith(doc, ['用例编号', '测试目标', '测试方法']);
    expect(cases.header).to.equal(1);
    expect(cases.rows.slice(1).map((r) => r[0])).to.deep.equal(['P01', 'P02']);
    expect(ch4).to.contain('越权访问测试');

    // Chapter 6: the compensation, its kind, the recorded result unchanged beside the risk change.
    const comp = tableWith(doc, ['编号', '类别', '补偿措施']);
    expect(comp.header).to.equal(1);
    expect(comp.rows).to.have.length(2);
    expect(comp.rows[1]![0]).to.equal('C01');
    expect(comp.rows[1]![1]).to.equal('层面间');
    expect(comp.rows[1]![4]).to.contain('L3-CES1-01').and.contain('不符合; 风险 高 → 中').and.contain('T001 部分服务器存在弱口令：高 → 中');

    // Chapter 7: each finding with its assets, threats and risk, as recorded.
    const findings = (await consultant.get(`/api/v1/assessments/${demoId}/findings`)).body.data as Array<{ number: string; title: string; risk: string; riskAnalysis: { threats: string[]; likelihood: number; impact: number } }>;
    const threats = (await consultant.get('/api/v1/verification-tables')).body.threats.threats as Array<{ code: string; name: { zh: string } }>;
    const ch7 = chapter(doc, '7 安全问题风险分析', '8 等级测评结论及整改建议');
    expect(ch7).not.to.contain('尚未分析');
    const riskZh: Record<string, string> = { high: '高', medium: '中', low: '低' };
    // One heading and one analysis table per finding, in the same order.
    const titles = findings.map((f) => `${f.number} ${f.title}`);
    const order = doc.headings.filter((h) => h.level === 2 && titles.includes(h.text)).map((h) => h.text);
    expect([...order].sort()).to.deep.equal([...titles].sort());
    const analyses = doc.tables.filter((t) => t.rows[0]![0] === '关联资产');
    expect(analyses).to.have.length(findings.length);
    order.forEach((title, i) => {
      const f = findings.find((x) => `${x.number} ${x.title}` === title)!;
      const rows = Object.fromEntries(analyses[i]!.rows.map((r) => [r[0], r[1]!]));
      for (const code of f.riskAnalysis.threats) expect(rows['关联威胁'], title).to.contain(`${code} ${threats.find((t) => t.code === code)!.name.zh}`);
      expect(rows['可能性 × 影响程度'], title).to.match(new RegExp(`^可能性 ${f.riskAnalysis.likelihood}（.+） × 影响程度 ${f.riskAnalysis.impact}（.+） → [高中低]$`));
      expect(rows['风险等级']!.startsWith(riskZh[f.risk]!), title).to.equal(true);
      expect(rows['关联资产'], title).to.not.equal('');
    });
    expect(ch7).to.contain('可能性 4（高） × 影响程度 4（高） → 高');
    expect(ch7).to.contain('补偿后 中');

    // Appendix E: every vulnerability; appendix F: each case as a form; appendix I: the threats the findings name.
    const vulns = tableWith(doc, ['扫描', '测试目标', '端口/协议', '漏洞名称']);
    expect(vulns.header).to.equal(1);
    expect(vulns.rows.slice(1).map((r) => r[4]).join(' ')).to.contain('CVE-2023-38408');
    const appF = chapter(doc, '附录F 渗透测试结果记录', '附录G 重大风险隐患触发项参照表');
    expect(appF).to.contain('https://citybrain.example.gov.cn/login').and.contain('越权测试截图').and.contain('会话仍然有效');
    const appI = tableWith(doc, ['编号', '威胁类别', '描述', '涉及的安全问题']);
    expect(appI.header).to.equal(1);
    const used = [...new Set(findings.flatMap((f) => f.riskAnalysis.threats))].sort();
    expect(appI.rows.slice(1).map((r) => r[0])).to.deep.equal(used);
    expect(appI.rows.find((r) => r[0] === 'TH-07')![1]).to.equal('网络攻击');
    // The sources in the report language (appendix I of the zh report in Chinese).
    const tail = doc.paragraphs.slice(doc.paragraphs.lastIndexOf('附录I 威胁列表')).join('\n');
    expect(tail).to.contain('威胁分类来源：GB/T 20984-2007《信息安全技术 信息安全风险评估规范》').and.contain('依据二手资料整理');
    expect(tail).to.contain('风险矩阵来源：参照 GB/T 20984-2007').and.contain('（未经原文核实）');
    expect(tail).not.to.match(/secondary|project's/);
  });

  it('en: the same chapters in English', async function () {
    this.timeout(120_000);
    const doc = await docx(demoId, 'en');
    const h1 = doc.headings.filter((h) => h.level === 1).map((h) => h.text);
    const want = ['4 Verification tests', '6 Overall assessment', 'Appendix E', 'Appendix F', 'Appendix G', 'Appendix I'];
    const at = want.map((w) => h1.findIndex((h) => h.startsWith(w)));
    expect(at.every((i) => i > -1), h1.join(' | ')).to.equal(true);
    expect([...at].sort((a, b) => a - b)).to.deep.equal(at);
    expect(doc.text).to.contain('Nessus 10.7.2').and.contain('Between layers').and.contain('T001 ').and.contain('Network attack').and.contain('CVE-2023-38408');
    expect(doc.text).to.contain('Likelihood 4（High） × Impact 4（High） → High');
    expect(doc.text).to.contain('Read from secondary copies');
  });

  it('user text in scans, pen tests, compensations and risk analyses stays literal', async function () {
    this.timeout(120_000);
    const orgs = await demoOrganizations(ctx.db);
    const { assessment: a, objects } = await level3Assessment(officer, consultant, orgs.citybrain);
    const f = (await consultant.post(`/api/v1/assessments/${a.id}/findings`).send({ title: '<w:p>{{x}}', units: ['L3-CES1-21'], objects: [objects[0]!.id], risk: 'medium' }).expect(201)).body;
    await consultant.put(`/api/v1/findings/${f.id}/risk-analysis`).send({ rowVersion: f.rowVersion, threats: ['TH-07'], harm: '{{harm}} </w:t><w:p>', likelihood: 3, impact: 4 }).expect(200);
    await consultant.post(`/api/v1/assessments/${a.id}/pentests`).send({ target: '<w:p>target', method: '{{method}}', result: 'a & b </w:t>', risk: 'low', steps: '1. {{#each}}\n2. <w:br/>' }).expect(201);
    await consultant.post(`/api/v1/assessments/${a.id}/compensations`).send({ kind: 'area', measure: '{{measure}} <w:tbl>', reasoning: '</w:tc>', effects: [{ unit: 'L3-CES1-21', before: 'high', after: 'low' }] }).expect(201);
    const doc = await docx(a.id, 'zh-CN');
    for (const s of ['<w:p>{{x}}', '{{harm}} </w:t><w:p>', '<w:p>target', '{{method}}', 'a & b </w:t>', '{{#each}}', '<w:br/>', '{{measure}} <w:tbl>', '</w:tc>']) expect(doc.text, s).to.contain(s);
    expect(doc.xml()).to.contain('&lt;w:p&gt;{{x}}');
    // What this assessment does not hold is said, not invented.
    expect(chapter(doc, '4 验证测试', '5 安全问题汇总')).to.contain('本次测评尚未导入漏洞扫描结果');
    expect(chapter(doc, '附录E 漏洞扫描结果记录', '附录F 渗透测试结果记录')).to.contain('本次测评尚未导入漏洞扫描结果');
  });

  it('an assessment without verification data says what is missing in each place', async function () {
    this.timeout(120_000);
    const orgs = await demoOrganizations(ctx.db);
    const { assessment: a } = await level3Assessment(officer, consultant, orgs.citybrain);
    const doc = await docx(a.id, 'zh-CN');
    expect(chapter(doc, '4 验证测试', '5 安全问题汇总')).to.contain('本次测评尚未记录验证测试');
    expect(chapter(doc, '6 整体测评', '7 安全问题风险分析')).to.contain('本次测评尚未记录整体测评中的关联补偿');
    expect(chapter(doc, '7 安全问题风险分析', '8 等级测评结论及整改建议')).to.contain('本次测评未发现安全问题');
    expect(chapter(doc, '附录F 渗透测试结果记录', '附录G 重大风险隐患触发项参照表')).to.contain('本次测评尚未记录渗透测试用例');
    expect(doc.paragraphs.slice(doc.paragraphs.lastIndexOf('附录I 威胁列表')).join('\n')).to.contain('尚无安全问题记录关联威胁');
    expect(doc.xml()).to.contain('w:highlight w:val="yellow"');
  });
});
