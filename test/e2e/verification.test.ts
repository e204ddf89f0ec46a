import { createHash } from 'node:crypto';
import { expect } from 'chai';
import type { Express } from 'express';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { level3Assessment } from '../utils/assessments.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { png } from '../utils/files.js';
import { nessusFile, openvasFile } from '../utils/scanner-files.js';
import { allPages } from '../utils/pages.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const NESSUS = nessusFile([
  {
    ip: '10.0.1.11',
    items: [
      { port: '8080', svc: 'www', protocol: 'tcp', severity: 4, pluginID: '187001', pluginName: 'Apache Struts 2 远程代码执行漏洞 (S2-066)', risk: 'Critical', cves: ['CVE-2023-50164'], cvss3: '9.8', solution: 'Upgrade to Apache Struts 2.5.33 or 6.3.0.2 or later.' },
      { port: '22', svc: 'ssh', protocol: 'tcp', severity: 2, pluginID: '90317', pluginName: 'SSH Weak Algorithms Supported', risk: 'Medium', solution: 'Disable the weak algorithms.' },
      { port: '22', svc: 'ssh', protocol: 'tcp', severity: 0, pluginID: '10267', pluginName: 'SSH Server Type and Version Information', risk: 'None' },
    ],
  },
  { ip: '10.0.1.21', fqdn: 'db-srv-01.example.cn', items: [{ port: '1521', svc: 'oracle', protocol: 'tcp', severity: 3, pluginID: '160000', pluginName: 'Oracle Database Server Multiple Vulnerabilities', risk: 'High', cves: ['CVE-2024-21098', 'CVE-2024-20995'] }] },
  { ip: '10.9.9.9', items: [{ port: '443', svc: 'www', protocol: 'tcp', severity: 1, pluginID: '42873', pluginName: 'SSL Medium Strength Cipher Suites Supported', risk: 'Low' }] },
]);

const upload = (agent: Agent, assessmentId: string, content: string | Buffer, name: string) =>
  agent.post(`/api/v1/assessments/${assessmentId}/scans`).attach('file', Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8'), name);

describeEachEngine('verification tests, compensations and risk analysis', (ctx) => {
  let app: Express;
  let officer: Agent, consultant: Agent, auditor: Agent, officer2: Agent;
  let orgs: { citybrain: string; bank: string };

  before(async () => {
    app = await createTestApp(ctx.db);
    officer = await signIn(app, 'officer');
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
    officer2 = await signIn(app, 'officer2');
    orgs = await demoOrganizations(ctx.db);
  });

  it('imports a Nessus v2 file: hosts matched to objects by IP and host name, severities mapped, the file kept as hashed evidence, re-import idempotent', async () => {
    const { assessment: a, objects } = await level3Assessment(officer, consultant, orgs.citybrain);
    const id = (n: string) => objects.find((o) => o.name === n)!.id;
    await auditor.post(`/api/v1/assessments/${a.id}/scans`).attach('file', Buffer.from(NESSUS), 'x.nessus').expect(403);
    await officer2.post(`/api/v1/assessments/${a.id}/scans`).attach('file', Buffer.from(NESSUS), 'x.nessus').expect(404);
    const res = await upload(consultant, a.id, NESSUS, 'weekly.nessus').expect(201);
    expect(res.body).to.deep.include({ number: 'S01', format: 'nessus', scanner: 'Nessus', scannerVersion: '10.7.2', scannedAt: 'Tue Nov 24 10:00:00 2026', informational: 4, vulnerabilities: 4, duplicate: false });
    expect(res.body.counts).to.deep.equal({ high: 2, medium: 1, low: 1 });
    expect(res.body.hosts).to.deep.equal([
      { host: '10.0.1.11', hostname: null, objectId: id('APP-SRV-01') },
      { host: '10.0.1.21', hostname: 'db-srv-01.example.cn', objectId: id('DB-SRV-01') },
      { host: '10.9.9.9', hostname: null, objectId: null, reason: 'no_object' },
    ]);
    const vulns = (await auditor.get(`/api/v1/assessments/${a.id}/vulnerabilities`).expect(200)).body.data;
    expect(vulns.map((v: { title: string; risk: string; level: string }) => `${v.level}/${v.risk} ${v.title}`)).to.deep.equal([
      'critical/high Apache Struts 2 远程代码执行漏洞 (S2-066)',
      'high/high Oracle Database Server Multiple Vulnerabilities',
      'medium/medium SSH Weak Algorithms Supported',
      'low/low SSL Medium Strength Cipher Suites Supported',
    ]);
    expect(vulns[0]).to.deep.include({ host: '10.0.1.11', objectName: 'APP-SRV-01', port: '8080', protocol: 'tcp', pluginId: '187001', cves: ['CVE-2023-50164'], solution: 'Upgrade to Apache Struts 2.5.33 or 6.3.0.2 or later.', severityRaw: '4 / Critical' });
    expect(vulns[1].cves).to.deep.equal(['CVE-2024-21098', 'CVE-2024-20995']);
    expect(vulns[3]).to.deep.include({ objectId: null, objectName: null, host: '10.9.9.9' });
    // The raw file is evidence, hashed, downloadable byte for byte.
    const ev = (await auditor.get(`/api/v1/evidence/${res.body.evidenceId}`).expect(200)).body;
    expect(ev).to.deep.include({ kind: 'scan_report' });
    expect(res.body.fileHash).to.equal(sha256(Buffer.from(NESSUS)));
    const raw = await auditor.get(`/api/v1/evidence/${res.body.evidenceId}/download`).buffer(true).parse((r, cb) => { const c: Buffer[] = []; r.on('data', (d: Buffer) => c.push(d)); r.on('end', () => cb(null, Buffer.concat(c))); }).expect(200);
    expect(sha256(raw.body as Buffer)).to.equal(sha256(Buffer.from(NESSUS)));
    // The same file again: the same scan, not counted twice.
    const again = await upload(consultant, a.id, NESSUS, 'copy.nessus').expect(200);
    expect(again.body).to.deep.include({ id: res.body.id, duplicate: true });
    expect((await auditor.get(`/api/v1/assessments/${a.id}/scans`)).body.data).to.have.length(1);
    expect((await auditor.get(`/api/v1/assessments/${a.id}/vulnerabilities`)).body.data).to.have.length(4);
  });

  it('imports an OpenVAS/Greenbone report: shared IPs decided by host name, ambiguous hosts listed unmatched, log results counted only', async () => {
    const { system, assessment: a } = await level3Assessment(officer, consultant, orgs.citybrain);
    const web = (
      await consultant
        .post(`/api/v1/systems/${system.id}/objects`)
        .send({ objects: [ { category: 'server_storage', name: 'WEB-A', ip: '10.0.1.50', importance: 'key' }, { category: 'server_storage', name: 'WEB-B', ip: '10.0.1.50', importance: 'important' } ] })
        .expect(201)
    ).body.data as Array<{ id: string; name: string }>;
    const file = openvasFile([
      { host: '10.0.1.50', hostname: 'web-b.example.cn', port: '443/tcp', oid: '1.3.6.1.4.1.25623.1.0.117', name: 'OpenSSL 远程代码执行漏洞', threat: 'High', severity: '9.8', cves: ['CVE-2022-2274'] },
      { host: '10.0.1.50', port: '80/tcp', oid: '1.3.6.1.4.1.25623.1.0.118', name: 'Apache HTTP Server 信息泄露', threat: 'Medium', severity: '5.0', cves: ['CVE-2021-40438'] },
      { host: '10.0.1.21', port: 'general/tcp', oid: '1.3.6.1.4.1.25623.1.0.108', name: 'OS Detection Consolidation and Reporting', threat: 'Log', severity: '0.0' },
    ]);
    const res = await upload(consultant, a.id, file, 'report.xml').expect(201);
    expect(res.body).to.deep.include({ format: 'openvas', scanner: 'OpenVAS/Greenbone', scannerVersion: '22.5', scannedAt: '2026-11-24T10:00:00Z', informational: 1, vulnerabilities: 2 });
    expect(res.body.hosts).to.deep.include({ host: '10.0.1.50', hostname: 'web-b.example.cn', objectId: web.find((w) => w.name === 'WEB-B')!.id });
    expect(res.body.hosts).to.deep.include({ host: '10.0.1.50', hostname: null, objectId: null, reason: 'ambiguous' });
    const vulns = (await auditor.get(`/api/v1/assessments/${a.id}/vulnerabilities?scanId=${res.body.id}`)).body.data;
    expect(vulns[0]).to.deep.include({ objectName: 'WEB-B', port: '443', protocol: 'tcp', pluginId: '1.3.6.1.4.1.25623.1.0.117', cves: ['CVE-2022-2274'], risk: 'high', level: 'critical', solution: 'Update to the latest version.' });
    expect(vulns[1]).to.deep.include({ objectId: null, risk: 'medium', port: '80' });
  });

  it('imports the CSV layout (BOM, Chinese or English headers) and refuses unknown formats and versions with 415/422, importing nothing', async () => {
    const { assessment: a } = await level3Assessment(officer, consultant, orgs.citybrain);
    const zh = '\uFEFF目标,端口,协议,漏洞编号,CVE,漏洞名称,风险等级,解决方案,扫描时间,扫描器,版本\r\n10.0.1.11,3306,TCP,VUL-001,"CVE-2012-2122, CVE-2016-6662",MySQL 身份认证绕过,高,"升级到 5.7.44,并限制来源",2026-11-20,绿盟 RSAS,V6.0R04\r\n10.0.1.21,,,VUL-002,,操作系统版本信息,信息,,2026-11-20,绿盟 RSAS,V6.0R04\r\n';
    const res = await upload(consultant, a.id, zh, 'rsas.csv').expect(201);
    expect(res.body).to.deep.include({ format: 'csv', scanner: '绿盟 RSAS', scannerVersion: 'V6.0R04', scannedAt: '2026-11-20', informational: 1, vulnerabilities: 1 });
    const [v] = (await auditor.get(`/api/v1/assessments/${a.id}/vulnerabilities`)).body.data;
    expect(v).to.deep.include({ objectName: 'APP-SRV-01', port: '3306', protocol: 'tcp', pluginId: 'VUL-001', cves: ['CVE-2012-2122', 'CVE-2016-6662'], risk: 'high', solution: '升级到 5.7.44,并限制来源' });
    const en = 'IP,Port,Protocol,Name,Severity,Scanner\n10.0.1.21,443,tcp,TLS 1.0 enabled,medium,Other\n';
    expect((await upload(consultant, a.id, en, 'other.csv').expect(201)).body.counts).to.deep.equal({ high: 0, medium: 1, low: 0 });

    const bad = async (content: string | Buffer, name: string, status: number, match: RegExp) => {
      const r = await upload(consultant, a.id, content, name).expect(status);
      expect(JSON.stringify(r.body.error)).to.match(match);
    };
    await bad(png(1), 'shot.png', 415, /NessusClientData_v2/);
    await bad('<?xml version="1.0"?><inventory><host/></inventory>', 'x.xml', 415, /根元素为 <inventory> 的 XML.*NessusClientData_v2/);
    await bad('<?xml version="1.0"?><NessusClientData><Report/></NessusClientData>', 'old.nessus', 422, /第 2 版 .nessus（NessusClientData_v2）/);
    await bad('<report id="x"><report><task/></report></report>', 'gvm.xml', 422, /results/);
    await bad('目标,端口\n10.0.1.11,22\n', 'short.csv', 422, /漏洞名称.*风险等级/);
    // A bad row late in the file: nothing of the file is imported.
    await bad('目标,漏洞名称,风险等级\n10.0.1.11,A,高\n10.0.1.11,B,严重程度未知\n', 'half.csv', 422, /row 3.*严重程度未知/);
    expect((await auditor.get(`/api/v1/assessments/${a.id}/scans`)).body.data).to.have.length(2);
    expect((await auditor.get(`/api/v1/assessments/${a.id}/vulnerabilities`)).body.data).to.have.length(2);
  });

  it('does not resolve external entities (XXE): a DOCTYPE is refused and nothing leaks or is stored', async () => {
    const { assessment: a } = await level3Assessment(officer, consultant, orgs.citybrain);
    const xxe = nessusFile([{ ip: '10.0.1.11', items: [{ port: '80', svc: 'www', protocol: 'tcp', severity: 3, pluginID: '1', pluginName: 'x', risk: 'High', solution: 'PLACEHOLDER' }] }], {
      prolog: '<?xml version="1.0"?>\n<!DOCTYPE NessusClientData_v2 [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> <!ENTITY lol "lol"> ]>',
    }).replace('PLACEHOLDER', '&xxe;&lol;');
    const res = await upload(consultant, a.id, xxe, 'xxe.nessus').expect(422);
    expect(res.body.error.message).to.match(/DOCTYPE/);
    expect(JSON.stringify(res.body)).not.to.contain('root:');
    expect((await auditor.get(`/api/v1/assessments/${a.id}/scans`)).body.data).to.deep.equal([]);
    // An entity never declared is not expanded either.
    await upload(consultant, a.id, nessusFile([]).replace('<Policy>', '<Policy>&xxe;'), 'undeclared.nessus').expect(422);
  });

  it('raises a finding from a vulnerability and from a pen-test case, linked both ways, with the high-risk case suggested', async () => {
    const { assessment: a, objects } = await level3Assessment(officer, consultant, orgs.citybrain);
    await upload(consultant, a.id, NESSUS, 'weekly.nessus').expect(201);
    const [rce] = (await auditor.get(`/api/v1/assessments/${a.id}/vulnerabilities`)).body.data;
    await auditor.post(`/api/v1/scan-vulnerabilities/${rce.id}/finding`).send({}).expect(403);
    const f = (await consultant.post(`/api/v1/scan-vulnerabilities/${rce.id}/finding`).send({}).expect(201)).body;
    expect(f).to.deep.include({ number: 'T001', risk: 'high', units: ['L3-CES1-21'], objects: [objects.find((o) => o.name === 'APP-SRV-01')!.id], recommendation: rce.solution });
    expect(f.highRiskCase).to.include({ status: 'suggested' });
    expect(f.description).to.contain('CVE-2023-50164');
    expect(f.sources).to.deep.equal([{ type: 'scan_vulnerability', id: rce.id, label: 'S01 Apache Struts 2 远程代码执行漏洞 (S2-066)' }]);
    expect((await auditor.get(`/api/v1/assessments/${a.id}/vulnerabilities`)).body.data[0].findingId).to.equal(f.id);
    await consultant.post(`/api/v1/scan-vulnerabilities/${rce.id}/finding`).send({}).expect(409);

    // Pen-test cases: API, CSV import, screenshots as evidence, a finding from one.
    const app1 = objects.find((o) => o.name === '城市运行平台')!;
    const p = (await consultant.post(`/api/v1/assessments/${a.id}/pentests`).send({ objectId: app1.id, entryPoint: 'https://city.example.cn/login', method: 'SQL 注入', steps: '1. 在登录框输入 \' or 1=1--\n2. 观察响应', result: '成功绕过登录，获得管理员会话', risk: 'high', testedAt: '2026-11-25' }).expect(201)).body;
    expect(p).to.deep.include({ number: 'P01', target: '城市运行平台', objectName: '城市运行平台', risk: 'high' });
    await consultant.post(`/api/v1/assessments/${a.id}/pentests`).send({ method: 'x', result: 'y', risk: 'low' }).expect(400);
    const csv = '测试对象,入口,测试方法,测试步骤,测试结果,风险等级\n10.0.1.21,1521/tcp,数据库弱口令尝试,字典爆破,未发现弱口令,无\n外部门户,https://portal.example.cn,越权访问,修改用户ID,可查看他人订单,中\n';
    const imported = (await consultant.post(`/api/v1/assessments/${a.id}/pentests/import`).attach('file', Buffer.from(csv), 'pt.csv').expect(201)).body.data;
    expect(imported.map((x: { number: string; objectName: string | null; risk: string }) => `${x.number} ${x.objectName} ${x.risk}`)).to.deep.equal(['P02 DB-SRV-01 none', 'P03 null medium']);
    const shot = (await consultant.post('/api/v1/evidence').field('title', 'SQL 注入截图').field('kind', 'screenshot').attach('file', png(3), 'sqli.png').expect(201)).body;
    await consultant.post(`/api/v1/evidence/${shot.id}/links`).send({ targetType: 'pentest_case', targetId: p.id }).expect(201);
    const listed = (await auditor.get(`/api/v1/assessments/${a.id}/pentests`)).body.data;
    expect(listed[0].evidence).to.deep.equal([{ id: shot.id, title: 'SQL 注入截图' }]);
    const edited = (await consultant.patch(`/api/v1/pentests/${imported[1].id}`).send({ rowVersion: 1, steps: '将 URL 中的 userId=1001 改为 1002', risk: 'high' }).expect(200)).body;
    expect(edited).to.deep.include({ number: 'P03', rowVersion: 2, risk: 'high', target: '外部门户', steps: '将 URL 中的 userId=1001 改为 1002' });
    await consultant.patch(`/api/v1/pentests/${imported[1].id}`).send({ rowVersion: 1, risk: 'low' }).expect(409);
    await officer2.patch(`/api/v1/pentests/${imported[1].id}`).send({ rowVersion: 2, risk: 'low' }).expect(404);
    const pf = (await consultant.post(`/api/v1/pentests/${p.id}/finding`).send({ units: ['L3-CES1-20'] }).expect(201)).body;
    expect(pf).to.deep.include({ risk: 'high', units: ['L3-CES1-20'], objects: [app1.id] });
    expect(pf.sources[0]).to.include({ type: 'pentest_case', id: p.id });
    await consultant.post(`/api/v1/pentests/${imported[0].id}/finding`).send({}).expect(400);

    // A locked assessment refuses imports; its new revision keeps scans, cases, numbers and links.
    for (const [who, to] of [[consultant, 'in_progress'], [consultant, 'review'], [officer, 'completed'], [officer, 'locked']] as const) {
      await who.post(`/api/v1/assessments/${a.id}/transitions`).send({ to }).expect(200);
    }
    await upload(consultant, a.id, NESSUS.replace('weekly', 'other'), 'again.nessus').expect(409);
    const rev = (await consultant.post(`/api/v1/assessments/${a.id}/revisions`).expect(201)).body;
    const revFindings = (await auditor.get(`/api/v1/assessments/${rev.id}/findings`)).body.data;
    const revVulns = (await auditor.get(`/api/v1/assessments/${rev.id}/vulnerabilities`)).body.data;
    expect(revVulns).to.have.length(4);
    expect(revFindings.map((x: { id: string }) => x.id)).to.include(revVulns[0].findingId);
    const revCases = (await auditor.get(`/api/v1/assessments/${rev.id}/pentests`)).body.data;
    expect(revCases.map((x: { number: string }) => x.number)).to.deep.equal(['P01', 'P02', 'P03']);
    expect(revCases[0].evidence).to.deep.equal([{ id: shot.id, title: 'SQL 注入截图' }]);
    expect(revFindings.find((x: { id: string }) => x.id === revCases[0].findingId).sources[0]).to.include({ type: 'pentest_case', id: revCases[0].id });
  });

  it('records compensations: units before → after, findings lowered through their mitigation, result values untouched', async () => {
    const { assessment: a } = await level3Assessment(officer, consultant, orgs.citybrain);
    const weak = (await consultant.post(`/api/v1/assessments/${a.id}/findings`).send({ title: '服务器弱口令', units: ['L3-CES1-01'], risk: 'high' }).expect(201)).body;
    const resultsBefore = (await allPages(auditor, `/api/v1/assessments/${a.id}/results`));
    const body = {
      kind: 'layer',
      measure: '运维访问须经堡垒机双因素认证，服务器管理端口仅对堡垒机开放',
      reasoning: '安全区域边界的访问控制使服务器口令无法被直接利用',
      effects: [{ unit: 'L3-CES1-01', before: 'high', after: 'medium' }],
      findings: [{ findingId: weak.id, riskAfter: 'medium' }],
    };
    const bad = await consultant.post(`/api/v1/assessments/${a.id}/compensations`).send({ ...body, effects: [{ unit: 'L3-CES1-01', before: 'medium', after: 'high' }] }).expect(400);
    expect(bad.body.error.details[0].path).to.equal('effects.0.after');
    await consultant.post(`/api/v1/assessments/${a.id}/compensations`).send({ ...body, effects: [{ unit: 'L4-CES1-01', before: 'high', after: 'low' }] }).expect(400);
    const c = (await consultant.post(`/api/v1/assessments/${a.id}/compensations`).send(body).expect(201)).body;
    expect(c).to.deep.include({ number: 'C01', kind: 'layer', effects: body.effects });
    expect(c.findings).to.deep.equal([{ id: weak.id, number: 'T001', title: '服务器弱口令', riskBefore: 'high', riskAfter: 'medium' }]);
    const f = (await auditor.get(`/api/v1/findings/${weak.id}`)).body;
    expect(f).to.deep.include({ risk: 'high', effectiveRisk: 'medium', compensationId: c.id });
    expect(f.mitigation).to.deep.equal({ measure: body.measure, riskAfter: 'medium', reason: body.reasoning });
    expect((await allPages(auditor, `/api/v1/assessments/${a.id}/results`))).to.deep.equal(resultsBefore);
    await consultant.delete(`/api/v1/compensations/${c.id}`).expect(204);
    expect((await auditor.get(`/api/v1/findings/${weak.id}`)).body).to.deep.include({ effectiveRisk: 'high', mitigation: null, compensationId: null });
  });

  it('analyses a finding\'s risk: threats suggested from layer and object, likelihood × impact through the matrix, override with a reason', async () => {
    const { assessment: a, objects } = await level3Assessment(officer, consultant, orgs.citybrain);
    const tables = (await auditor.get('/api/v1/verification-tables').expect(200)).body;
    expect(tables.threats.threats.map((t: { name: { zh: string } }) => t.name.zh)).to.deep.equal(['软硬件故障', '物理环境影响', '无作为或操作失误', '管理不到位', '恶意代码', '越权或滥用', '网络攻击', '物理攻击', '泄密', '篡改', '抵赖']);
    expect(tables.riskMatrix).to.include({ verified: false });
    expect(tables.riskMatrix.source).to.contain('GB/T 20984');
    const db = objects.find((o) => o.name === 'DB-SRV-01')!;
    const f = (await consultant.post(`/api/v1/assessments/${a.id}/findings`).send({ title: '数据库补丁未更新', units: ['L3-CES1-21'], objects: [db.id], risk: 'medium' }).expect(201)).body;
    const s = (await auditor.get(`/api/v1/findings/${f.id}/risk-analysis/suggestion`).expect(200)).body;
    expect(s.threats.map((t: { code: string }) => t.code)).to.include.members(['TH-05', 'TH-07']);
    expect(s.threats.map((t: { code: string }) => t.code)).not.to.include('TH-02');
    expect(s.impact).to.include({ value: 4 });
    expect(s.likelihood).to.equal(null); // no scan or pen test behind it: not invented
    expect((await auditor.get(`/api/v1/findings/${f.id}`)).body.riskAnalysis).to.deep.include({ threats: [], likelihood: null, complete: false });
    const save = (b: object) => consultant.put(`/api/v1/findings/${f.id}/risk-analysis`).send(b);
    const base = { rowVersion: f.rowVersion, threats: ['TH-07', 'TH-05'], harm: '攻击者可利用已知漏洞获取数据库权限，导致重要数据泄露', likelihood: 4, impact: 4 };
    expect((await save({ ...base, threats: ['TH-99'] }).expect(400)).body.error.details[0].path).to.equal('threats.0');
    await save({ ...base, override: { risk: 'low' } }).expect(400);
    const high = (await save(base).expect(200)).body;
    expect(high).to.deep.include({ risk: 'high', harm: base.harm });
    expect(high.riskAnalysis).to.deep.include({ threats: ['TH-07', 'TH-05'], likelihood: 4, impact: 4, matrixRisk: 'high', overrideReason: null, complete: true });
    const over = (await save({ ...base, rowVersion: high.rowVersion, override: { risk: 'medium', reason: '数据库仅内网可达，且有数据库审计实时告警' } }).expect(200)).body;
    expect(over).to.deep.include({ risk: 'medium' });
    expect(over.riskAnalysis).to.deep.include({ matrixRisk: 'high', overrideReason: '数据库仅内网可达，且有数据库审计实时告警' });
    await save({ ...base, rowVersion: high.rowVersion }).expect(409);
  });
  it('edits the risk analysis and adds a pen-test case from the findings board (suggestions marked, not pre-filled)', async () => {
    const { assessment: a, objects } = await level3Assessment(officer, consultant, orgs.citybrain);
    const db = objects.find((o) => o.name === 'DB-SRV-01')!;
    const f = (await consultant.post(`/api/v1/assessments/${a.id}/findings`).send({ title: '数据库补丁未更新', units: ['L3-CES1-21'], objects: [db.id], risk: 'medium' }).expect(201)).body;
    const page = async () => (await consultant.get(`/assessments/${a.id}/findings`).expect(200)).text;
    let html = await page();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
    expect(html).to.contain('风险分析');
    expect(html).to.match(/value="TH-07" >\s*TH-07 网络攻击 <span class="tag">建议<\/span>/);
    expect(html).to.contain('4 高 (建议)');
    expect(html).not.to.match(/value="TH-07" checked/);
    await consultant
      .post(`/findings/${f.id}/risk-analysis`)
      .type('form')
      .send(`_csrf=${encodeURIComponent(csrf)}&rowVersion=${f.rowVersion}&threats=TH-07&threats=TH-05&harm=${encodeURIComponent('数据库可被入侵')}&likelihood=2&impact=4&overrideRisk=&overrideReason=`)
      .expect(303);
    const saved = (await auditor.get(`/api/v1/findings/${f.id}`)).body;
    expect(saved).to.deep.include({ risk: 'medium', harm: '数据库可被入侵' });
    expect(saved.riskAnalysis).to.deep.include({ threats: ['TH-07', 'TH-05'], likelihood: 2, impact: 4, matrixRisk: 'medium' });
    html = await page();
    expect(html).to.match(/value="TH-07" checked/);
    const bad = await consultant.post(`/findings/${f.id}/risk-analysis`).type('form').send({ _csrf: csrf, rowVersion: String(saved.rowVersion), threats: 'TH-07', harm: 'x', likelihood: '9', impact: '4' }).expect(303);
    expect(decodeURIComponent(bad.headers.location!)).to.contain('likelihood');
    // Checked with the API's schema, refused in the page's words (zod's English never shows), nothing stored.
    const refused = await consultant.post(`/assessments/${a.id}/pentests`).type('form').send({ _csrf: csrf, objectId: db.id, target: '长'.repeat(301), result: '未发现弱口令', risk: 'none' }).expect(303);
    const said = new URL(refused.headers.location!, 'http://page').searchParams.get('error')!;
    expect(said).to.contain('测试目标: 最多 300 个字').and.contain('测试方法: 必填');
    expect(said).not.to.match(/expected|Too (small|big)|Invalid/i);
    expect((await auditor.get(`/api/v1/assessments/${a.id}/pentests`)).body.data).to.deep.equal([]);
    await consultant.post(`/assessments/${a.id}/pentests`).type('form').send({ _csrf: csrf, objectId: db.id, method: '数据库弱口令尝试', result: '未发现弱口令', risk: 'none' }).expect(303);
    expect((await auditor.get(`/api/v1/assessments/${a.id}/pentests`)).body.data[0]).to.deep.include({ number: 'P01', target: 'DB-SRV-01', risk: 'none' });
    expect(await page()).to.contain('数据库弱口令尝试');
  });
});
