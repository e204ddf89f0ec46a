import { expect } from 'chai';
import type { Express } from 'express';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import PizZip from 'pizzip';
import { projectRoot } from '../../server/version.js';
import { createTestApp, signIn, type Agent } from '../utils/app.js';
import { readDocx } from '../utils/docx.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { binary } from '../utils/http.js';
import { waitDone } from '../utils/docx.js';

const EXAMPLE = readFileSync(path.join(projectRoot(), 'templates', 'docx', 'example-test-report.docx'));

/** The example template with its document.xml changed. */
function edited(change: (xml: string) => string): Buffer {
  const zip = new PizZip(EXAMPLE);
  zip.file('word/document.xml', change(zip.file('word/document.xml')!.asText()));
  return zip.generate({ type: 'nodebuffer' }) as Buffer;
}

describeEachEngine('Word organisation templates', (ctx) => {
  let app: Express;
  let officer: Agent, consultant: Agent, auditor: Agent, officer2: Agent;
  let orgId: string, demoId: string, templateId: string;

  before(async function () {
    this.timeout(60_000);
    app = await createTestApp(ctx.db);
    officer = await signIn(app, 'officer');
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
    officer2 = await signIn(app, 'officer2');
    const demo = (await auditor.get('/api/v1/assessments?status=in_progress')).body.data.find((a: { kind: string }) => a.kind === 'formal_test');
    demoId = demo.id;
    orgId = (await ctx.db.knex('assessments').where({ id: demoId }).first()).organization_id;
    const units = (await auditor.get(`/api/v1/assessments/${demoId}/findings`)).body.data[0].units;
    await consultant.post(`/api/v1/assessments/${demoId}/findings`).send({ title: '<w:p> {{x}} {title}', units, risk: 'low', recommendation: '</w:t></w:r>' }).expect(201);
  });

  const upload = (agent: Agent, file: Buffer, name = '示例模板', filename = 'template.docx') =>
    agent.post(`/api/v1/organizations/${orgId}/report-templates`).field('name', name).attach('file', file, filename);

  it('an officer uploads the example template; the same name again is version 2; members list it', async () => {
    const v1 = await upload(officer, EXAMPLE).expect(201);
    expect(v1.body).to.include({ name: '示例模板', latestVersion: 1 });
    expect(v1.body.versions[0].fields).to.include.members(['reportNumber', 'findings', 'number', 'conclusion.label']);
    templateId = v1.body.id;
    const v2 = await upload(officer, EXAMPLE).expect(201);
    expect(v2.body.id).to.equal(templateId);
    expect(v2.body.versions.map((v: { version: number }) => v.version)).to.deep.equal([1, 2]);
    const list = (await auditor.get(`/api/v1/organizations/${orgId}/report-templates`).expect(200)).body.data;
    expect(list.map((t: { name: string }) => t.name)).to.deep.equal(['示例模板']);
    const file = await auditor.get(`/api/v1/report-templates/${templateId}/versions/1/download`).buffer(true).parse(binary).expect(200);
    expect(Buffer.compare(file.body, EXAMPLE)).to.equal(0);
  });

  it('only officers upload; another organisation sees nothing', async () => {
    await upload(consultant, EXAMPLE).expect(403);
    await upload(auditor, EXAMPLE).expect(403);
    await upload(officer2, EXAMPLE).expect(404);
    await officer2.get(`/api/v1/report-templates/${templateId}`).expect(404);
    await officer2.get(`/api/v1/organizations/${orgId}/report-templates`).expect(404);
  });

  it('refuses unknown placeholders and broken syntax with 422, naming the placeholder and its position', async () => {
    const unknown = await upload(officer, edited((x) => x.replace('{reportNumber}', '{reportNo}').replace('{title}</w:t>', '{title}{findings.nope}</w:t>')), 'bad').expect(422);
    expect(unknown.body.error.code).to.equal('template_invalid');
    const d = unknown.body.error.details;
    expect(d[0]).to.deep.include({ path: 'reportNo', code: 'unknown_placeholder' });
    expect(d[0].position).to.deep.equal({ file: 'word/document.xml', offset: 5 });
    expect(d[0].context).to.contain('报告编号：{reportNo}');
    expect(d.map((x: { path: string }) => x.path)).to.include('findings.nope');
    const syntax = await upload(officer, edited((x) => x.replace('{risks.high}', '{risks.high').replace('{/conclusion.provisional}', '')), 'bad').expect(422);
    const codes = syntax.body.error.details.map((x: { code: string; path: string }) => `${x.code}:${x.path}`);
    expect(codes).to.include.members(['unclosed_tag:risks.high', 'unclosed_loop:conclusion.provisional']);
    expect(syntax.body.error.details.every((x: { position: { offset: number } }) => typeof x.position.offset === 'number')).to.equal(true);
    // A list used as a field, a field used inside the wrong loop, raw XML: refused too.
    const misuse = await upload(officer, edited((x) => x.replace('{reportNumber}', '{findings}')), 'bad').expect(422);
    expect(misuse.body.error.details[0]).to.deep.include({ path: 'findings', code: 'not_a_field' });
    await upload(officer, edited((x) => x.replace('{reportNumber}', '{@reportNumber}')), 'bad').expect(422);
    await upload(officer, Buffer.from('not a zip'), 'bad').expect(422);
    // Nothing was stored for the refused uploads.
    expect((await auditor.get(`/api/v1/organizations/${orgId}/report-templates`)).body.data).to.have.length(1);
  });

  it('fills the test report on the template: every placeholder filled, finding rows repeated, user text literal, version recorded', async function () {
    this.timeout(120_000);
    const started = await consultant.post(`/api/v1/assessments/${demoId}/reports`).send({ type: 'test_report', format: 'docx', lang: 'zh-CN', templateId }).expect(202);
    expect(started.body.template).to.deep.equal({ id: templateId, version: 2 });
    const job = await waitDone(consultant, started.body.id);
    expect(job.status, job.error).to.equal('done');
    expect(job.template).to.deep.equal({ id: templateId, version: 2 });
    const body = (await auditor.get(`/api/v1/reports/${job.id}/download`).buffer(true).parse(binary).expect(200)).body;
    const doc = readDocx(body);
    // No tag is left anywhere (body and header).
    const all = doc.text + doc.xml('word/header1.xml');
    expect(doc.text.replaceAll('<w:p> {{x}} {title}', '')).not.to.match(/\{[#/^]?[A-Za-z][\w.]*\}/);
    expect(doc.xml('word/header1.xml')).to.contain('33010043001-25001-26-0123-01');
    expect(all).to.contain('网络安全等级测评报告');
    expect(doc.text).to.contain('报告编号：33010043001-25001-26-0123-01');
    expect(doc.text).to.match(/测评结论：(基本符合|符合|不符合)，符合率 \d+\.\d\d%。/);
    // The findings table: header + one row per finding, in order.
    const numbers = (await auditor.get(`/api/v1/assessments/${demoId}/findings`)).body.data.map((f: { number: string }) => f.number);
    const table = doc.tables.find((t) => t.rows[0]![0] === '编号')!;
    expect(table.header).to.equal(1);
    expect(table.rows.slice(1).map((r) => r[0]).sort()).to.deep.equal([...numbers].sort()); // every finding once; the template lists them in the report's order (by risk)
    const mine = table.rows.find((r) => r[1]!.startsWith('<w:p>'))!;
    expect(mine[1]).to.equal('<w:p> {{x}} {title}');
    expect(mine[3]).to.equal('</w:t></w:r>');
    // The layers table repeats one row per layer; sections on flags chose one branch.
    const layers = doc.tables.find((t) => t.rows[0]![0] === '安全层面')!;
    expect(layers.rows.length).to.be.greaterThan(5);
    const reports = (await auditor.get(`/api/v1/assessments/${demoId}/reports`)).body.data;
    expect(reports.find((r: { id: string }) => r.id === job.id).template).to.deep.equal({ id: templateId, version: 2 });
  });
});
