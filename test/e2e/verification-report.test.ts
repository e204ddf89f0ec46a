import { expect } from 'chai';
import type { Express } from 'express';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PdfPrinter } from '../../reports/pdf/chromium.js';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { level3Assessment } from '../utils/assessments.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { binary } from '../utils/http.js';

async function pdfOf(agent: Agent, assessmentId: string, lang: string): Promise<string> {
  const started = await agent.post(`/api/v1/assessments/${assessmentId}/reports`).send({ type: 'test_report', format: 'pdf', lang }).expect(202);
  for (let i = 0; i < 600; i++) {
    const job = (await agent.get(`/api/v1/reports/${started.body.id}`).expect(200)).body;
    if (job.status === 'failed') throw new Error(job.error);
    if (job.status === 'done') {
      const dl = await agent.get(`/api/v1/reports/${job.id}/download`).buffer(true).parse(binary).expect(200);
      const dir = mkdtempSync(path.join(tmpdir(), 'dengbao-pdf-'));
      try {
        writeFileSync(path.join(dir, 'r.pdf'), dl.body);
        return execFileSync('pdftotext', ['-layout', path.join(dir, 'r.pdf'), '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).replace(/\s+/g, '');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('report did not finish');
}

/** The text of the body between one heading and the next (the last occurrence: the contents page lists them too). */
function section(flat: string, from: string, to: string): string {
  const start = flat.lastIndexOf(from.replace(/\s+/g, ''));
  const end = flat.indexOf(to.replace(/\s+/g, ''), start + 1);
  expect(start, `heading ${from}`).to.be.greaterThan(-1);
  expect(end, `heading ${to} after ${from}`).to.be.greaterThan(start);
  return flat.slice(start, end);
}

describeEachEngine('test report: verification tests, overall assessment, risk analysis', (ctx) => {
  let app: Express;
  let consultant: Agent, officer: Agent;
  let demoId: string;

  before(async () => {
    app = await createTestApp(ctx.db);
    consultant = await signIn(app, 'consultant');
    officer = await signIn(app, 'officer');
    demoId = (await consultant.get('/api/v1/assessments?status=in_progress')).body.data.find((a: { kind: string }) => a.kind === 'formal_test').id;
  });
  after(async () => {
    await (app.locals.deps as { printer: PdfPrinter }).printer.close();
  });

  it('the demo holds a scan, pen-test cases, a compensation and a full risk analysis, keeping its pinned figures', async () => {
    const scans = (await consultant.get(`/api/v1/assessments/${demoId}/scans`).expect(200)).body.data;
    expect(scans).to.have.length(1);
    expect(scans[0]).to.deep.include({ scanner: 'Nessus', scannerVersion: '10.7.2', counts: { high: 0, medium: 1, low: 2 } });
    expect(scans[0].hosts.filter((h: { objectId: string | null }) => !h.objectId).map((h: { host: string }) => h.host)).to.deep.equal(['10.10.9.200']);
    const findings = (await consultant.get(`/api/v1/assessments/${demoId}/findings`)).body.data;
    expect(findings.every((f: { riskAnalysis: { complete: boolean } }) => f.riskAnalysis.complete)).to.equal(true);
    expect(findings.find((f: { title: string }) => f.title === '补丁更新不及时').sources[0]).to.include({ type: 'scan_vulnerability' });
    expect((await consultant.get(`/api/v1/assessments/${demoId}/compensations`)).body.data[0].findings[0]).to.include({ number: 'T001', riskBefore: 'high', riskAfter: 'medium' });
    expect((await consultant.get(`/api/v1/assessments/${demoId}/pentests`)).body.data.map((p: { number: string }) => p.number)).to.deep.equal(['P01', 'P02']);
  });

  it('prints chapters 4, 6, 7 and appendices E, F, I of the demo from its data (zh)', async function () {
    this.timeout(180_000);
    const flat = await pdfOf(consultant, demoId, 'zh-CN');
    const ch4 = section(flat, '4 验证测试', '5 安全问题汇总');
    expect(ch4).to.contain('Nessus10.7.2');
    expect(ch4).to.contain('应用服务器APP-02');
    expect(ch4).to.contain('10.10.9.200');
    expect(ch4).to.contain('越权访问测试');
    expect(ch4).not.to.contain('尚未');
    const ch6 = section(flat, '6 整体测评', '7 安全问题风险分析');
    expect(ch6).to.contain('层面间');
    expect(ch6).to.contain('L3-CES1-01');
    expect(ch6).to.contain('高→中');
    expect(ch6).to.contain('不符合'); // the recorded result, unchanged, beside the effect
    const ch7 = section(flat, '7 安全问题风险分析', '8 等级测评结论');
    expect(ch7).to.contain('网络攻击');
    expect(ch7).to.contain('越权或滥用');
    expect(ch7).to.contain('可能性4（高）×影响程度4（高）→高');
    expect(ch7).to.contain('补偿后中');
    expect(ch7).not.to.contain('尚未分析');
    const appE = section(flat, '附录E 漏洞扫描结果记录', '附录F');
    expect(appE).to.contain('CVE-2023-38408');
    expect(appE).to.contain('升级OpenSSH');
    const appF = section(flat, '附录F 渗透测试结果记录', '附录G');
    expect(appF).to.contain('https://citybrain.example.gov.cn/login');
    expect(appF).to.contain('越权测试截图');
    expect(appF).to.contain('会话仍然有效');
    const appI = flat.slice(flat.lastIndexOf('附录I威胁列表'));
    expect(appI).to.contain('TH-07网络攻击');
    expect(appI).to.contain('GB/T20984');
    expect(appI).to.contain('未经原文核实');
    // The sources of the threat classes and the matrix in the report language.
    expect(appI).to.contain('威胁分类来源：GB/T20984-2007《信息安全技术信息安全风险评估规范》');
    expect(appI).to.contain('风险矩阵来源：参照GB/T20984-2007');
    expect(appI).not.to.match(/secondary|project's|primarytext/);
  });

  it('prints the same chapters in English, and says what is missing where an assessment holds nothing', async function () {
    this.timeout(180_000);
    const en = await pdfOf(consultant, demoId, 'en');
    const ch4 = section(en, '4 Verification tests', '5 Security issues');
    expect(ch4).to.contain('Nessus10.7.2');
    expect(ch4).not.to.contain('Noverificationtest');
    expect(section(en, 'Appendix E', 'Appendix F')).to.contain('CVE-2023-38408');
    const ch6 = section(en, '6 Overall assessment', '7 Risk analysis');
    expect(ch6).to.contain('C01Between');
    expect(ch6).to.contain('T001部分服务器存在弱口令:High→Medium');
    expect(en).to.contain('Networkattack');
    expect(en).to.contain('AppendixIThreatlist');
    expect(en.slice(en.lastIndexOf('AppendixIThreatlist'))).to.contain('Readfromsecondarycopies');
    const orgs = await demoOrganizations(ctx.db);
    const { assessment: empty } = await level3Assessment(officer, consultant, orgs.citybrain);
    const zh = await pdfOf(consultant, empty.id, 'zh-CN');
    expect(zh).to.contain('本次测评尚未记录验证测试');
    expect(zh).to.contain('本次测评尚未记录整体测评中的关联补偿');
    expect(zh).to.contain('本次测评尚未导入漏洞扫描结果');
  });
});
