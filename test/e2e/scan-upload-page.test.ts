import { expect } from 'chai';
import type { Express } from 'express';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { level3Assessment } from '../utils/assessments.js';
import { csrfOf } from '../utils/csrf.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { nessusFile, openvasFile } from '../utils/scanner-files.js';

const NESSUS = nessusFile([
  {
    ip: '10.0.1.11',
    items: [
      { port: '8080', svc: 'www', protocol: 'tcp', severity: 4, pluginID: '187001', pluginName: 'Apache Struts 2 远程代码执行漏洞 (S2-066)', risk: 'Critical', cves: ['CVE-2023-50164'], cvss3: '9.8', solution: 'Upgrade.' },
      { port: '22', svc: 'ssh', protocol: 'tcp', severity: 2, pluginID: '90317', pluginName: 'SSH Weak Algorithms Supported', risk: 'Medium' },
    ],
  },
  { ip: '10.0.1.21', fqdn: 'db-srv-01.example.cn', items: [{ port: '1521', svc: 'oracle', protocol: 'tcp', severity: 3, pluginID: '160000', pluginName: 'Oracle Database Server Multiple Vulnerabilities', risk: 'High' }] },
  { ip: '10.9.9.9', items: [{ port: '443', svc: 'www', protocol: 'tcp', severity: 1, pluginID: '42873', pluginName: 'SSL Medium Strength Cipher Suites Supported', risk: 'Low' }] },
]);

/** The text of an HTML page without tags (what the reader sees). */
const visible = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/\s+/g, ' ');
const strong = (html: string, cls: string) => new RegExp(`class="${cls}">(\\d+)<`).exec(html)?.[1];

describeEachEngine('scanner upload form on the findings board', (ctx) => {
  let app: Express;
  let officer: Agent, consultant: Agent, auditor: Agent;
  let assessmentId: string;
  let action: string;

  const post = (agent: Agent, url: string, content: string | Buffer, name: string, button: 'preview' | 'import') =>
    agent.post(url).field('action', button).attach('file', Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'), name);

  before(async () => {
    app = await createTestApp(ctx.db);
    officer = await signIn(app, 'officer');
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
    const orgs = await demoOrganizations(ctx.db);
    assessmentId = (await level3Assessment(officer, consultant, orgs.citybrain)).assessment.id;
    await csrfOf(auditor); // sets the auditor's CSRF cookie before any other page does
  });

  it('the board offers the form (file, preview, import) to those who may edit, not to auditors', async () => {
    await csrfOf(consultant);
    const page = (await consultant.get(`/assessments/${assessmentId}/findings`).expect(200)).text;
    const form = /<form method="post" enctype="multipart\/form-data" action="([^"]+)" class="filters scan-upload">([\s\S]*?)<\/form>/.exec(page);
    expect(form, 'scan upload form').to.not.equal(null);
    action = form![1]!.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
    expect(action).to.match(new RegExp(`^/assessments/${assessmentId}/scans\\?_csrf=`));
    expect(form![2]).to.contain('type="file" name="file"').and.contain('value="preview"').and.contain('value="import"');
    expect(visible(page)).to.contain('导入漏洞扫描结果').and.contain('预览（不导入）');
    expect((await auditor.get(`/assessments/${assessmentId}/findings`).expect(200)).text).not.to.contain('scan-upload');
  });

  it('preview: hosts matched and unmatched and counts by risk, nothing written', async () => {
    const res = await post(consultant, action, NESSUS, 'weekly.nessus', 'preview').expect(200);
    const text = visible(res.text);
    expect(text).to.contain('预览：尚未导入').and.contain('Nessus').and.contain('weekly.nessus');
    expect([strong(res.text, 'count-high'), strong(res.text, 'count-medium'), strong(res.text, 'count-low')]).to.deep.equal(['2', '1', '1']);
    expect([strong(res.text, 'count-matched'), strong(res.text, 'count-unmatched')]).to.deep.equal(['2', '1']);
    expect(text).to.contain('APP-SRV-01').and.contain('DB-SRV-01').and.contain('10.9.9.9').and.contain('未对应：没有 IP 或主机名相符的测评对象');
    expect((await consultant.get(`/api/v1/assessments/${assessmentId}/scans`).expect(200)).body.data).to.have.length(0);
    // The API's dry run answers the same from the same service.
    const api = await consultant.post(`/api/v1/assessments/${assessmentId}/scans?dryRun=true`).attach('file', Buffer.from(NESSUS), 'weekly.nessus').expect(200);
    expect(api.body).to.deep.include({ dryRun: true, scanner: 'Nessus', counts: { high: 2, medium: 1, low: 1 }, duplicateOf: null });
    expect(api.body.hosts.filter((h: { objectId: string | null }) => !h.objectId).map((h: { host: string }) => h.host)).to.deep.equal(['10.9.9.9']);
    expect((await consultant.get(`/api/v1/assessments/${assessmentId}/scans`).expect(200)).body.data).to.have.length(0);
  });

  it('import: the scan is stored as through the API; the same file again is not counted twice', async () => {
    const res = await post(consultant, action, NESSUS, 'weekly.nessus', 'import').expect(200);
    expect(visible(res.text)).to.contain('已导入为 S01');
    expect([strong(res.text, 'count-matched'), strong(res.text, 'count-unmatched')]).to.deep.equal(['2', '1']);
    const scans = (await auditor.get(`/api/v1/assessments/${assessmentId}/scans`).expect(200)).body.data;
    expect(scans).to.have.length(1);
    expect(scans[0]).to.deep.include({ number: 'S01', fileName: 'weekly.nessus', counts: { high: 2, medium: 1, low: 1 } });
    const again = await post(consultant, action, NESSUS, 'weekly-again.nessus', 'import').expect(200);
    expect(visible(again.text)).to.contain('该文件此前已导入为 S01，未重复计入');
    expect((await auditor.get(`/api/v1/assessments/${assessmentId}/scans`).expect(200)).body.data).to.have.length(1);
    const openvas = openvasFile([{ host: '10.0.1.21', hostname: 'db-srv-01', port: '5432/tcp', oid: '1.3.6.1.4.1.25623.1.0.1', name: 'PostgreSQL 弱口令', threat: 'High', severity: '7.5', solution: '修改口令' }]);
    expect(visible((await post(consultant, action, openvas, 'gvm.xml', 'import').expect(200)).text)).to.contain('已导入为 S02');
    const board = visible((await consultant.get(`/assessments/${assessmentId}/findings`).expect(200)).text);
    expect(board).to.contain('S01 Nessus').and.contain('S02 OpenVAS');
  });

  it('refusals read in the page language, name what was expected, and write nothing', async () => {
    const v1 = await post(consultant, action, '<?xml version="1.0"?><NessusClientData><Report/></NessusClientData>', 'old.nessus', 'preview').expect(422);
    const t1 = visible(v1.text);
    expect(t1).to.contain('未导入').and.contain('无法导入该 Nessus 文件：这是第 1 版 .nessus 文件（NessusClientData）：请将扫描结果导出为第 2 版 .nessus');
    expect(t1).not.to.contain('export the scan');
    const bin = await post(consultant, action, Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x82]), 'scan.bin', 'import').expect(415);
    expect(visible(bin.text)).to.contain('实际为：二进制或非 UTF-8 编码的内容').and.contain('应为：Nessus .nessus 文件（NessusClientData_v2）');
    const csv = await post(consultant, action, '目标/IP,端口\n10.0.1.11,22\n', 'x.csv', 'import').expect(422);
    expect(visible(csv.text)).to.contain('无法导入该 CSV 文件：表头缺少').and.contain('漏洞名称、风险等级 列（约定格式');
    const en = await post(consultant, `${action}&lang=en`, '<?xml version="1.0"?><NessusClientData/>', 'old.nessus', 'import').expect(422);
    expect(visible(en.text)).to.contain('Not imported').and.contain('this is a version 1 .nessus file');
    // The API's error message is translated the same way.
    const api = await consultant.post(`/api/v1/assessments/${assessmentId}/scans`).attach('file', Buffer.from('<?xml version="1.0"?><NessusClientData/>'), 'old.nessus').expect(422);
    expect(api.body.error.message).to.contain('这是第 1 版 .nessus 文件');
    expect((await auditor.get(`/api/v1/assessments/${assessmentId}/scans`).expect(200)).body.data).to.have.length(2);
  });

  it('an auditor posting the form gets a page refusing it (403), before the file is read', async () => {
    const token = await csrfOf(auditor);
    const res = await post(auditor, `/assessments/${assessmentId}/scans?_csrf=${encodeURIComponent(token)}`, NESSUS, 'x.nessus', 'import').expect(403);
    expect(res.headers['content-type']).to.contain('text/html');
  });
});
