import { expect } from 'chai';
import ExcelJS from 'exceljs';
import type { Express } from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import supertest from 'supertest';
import { createTestApp, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { runCli } from '../utils/process.js';

describeEachEngine('catalogue API', (ctx) => {
  let app: Express;
  let auditor: Agent;
  before(async () => {
    app = await createTestApp(ctx.db);
    auditor = await signIn(app, 'auditor');
  });

  it('requires sign-in', async () => {
    await supertest(app).get('/api/v1/catalogue/items').expect(401);
  });

  it('lists items with filters and pagination', async () => {
    const res = await auditor.get('/api/v1/catalogue/items?level=3&set=general&layer=CES&pageSize=10&page=2').expect(200);
    expect(res.body.meta).to.deep.include({ total: 34, page: 2, pageSize: 10 });
    expect(res.body.data.map((i: { code: string }) => i.code)).to.deep.equal([
      'L3-CES1-11', 'L3-CES1-12', 'L3-CES1-13', 'L3-CES1-14', 'L3-CES1-15', 'L3-CES1-17', 'L3-CES1-18', 'L3-CES1-19', 'L3-CES1-20', 'L3-CES1-21',
    ]);
    const byDomain = await auditor.get('/api/v1/catalogue/items?level=3&domain=physical&pageSize=500').expect(200);
    expect(byDomain.body.meta.total).to.equal(30); // 22 general + 1 cloud + 1 mobile + 4 IoT + 2 industrial control
    const byCategory = await auditor.get('/api/v1/catalogue/items?level=3&set=general&objectCategory=data_resource&pageSize=500').expect(200);
    expect(byCategory.body.data.every((i: { objectCategories: string[] }) => i.objectCategories.includes('data_resource'))).to.equal(true);
    const byPoint = await auditor.get(`/api/v1/catalogue/items?level=3&set=general&layer=CES&controlPoint=${encodeURIComponent('身份鉴别')}`).expect(200);
    expect(byPoint.body.meta.total).to.equal(4);
  });

  it('searches zh, en, code and clause through q', async () => {
    const q = async (s: string) => (await auditor.get(`/api/v1/catalogue/items?level=3&q=${encodeURIComponent(s)}`).expect(200)).body.data.map((i: { code: string }) => i.code);
    expect(await q('登录失败处理')).to.include('L3-CES1-02');
    expect(await q('login-failure handling')).to.include('L3-CES1-02');
    expect(await q('L3-CES1-02')).to.deep.equal(['L3-CES1-02']);
    expect(await q('8.1.4.1 b)')).to.deep.equal(['L3-CES1-02']);
  });

  it('returns one item with its test and high-risk cases', async () => {
    const res = await auditor.get('/api/v1/catalogue/items/L3-CES1-01').expect(200);
    expect(res.body).to.include({ code: 'L3-CES1-01', clause: '8.1.4.1 a)', level: 3, set: 'general', layer: 'CES', weight: 'key', weightValue: 1 });
    expect(res.body.controlPoint).to.include({ zh: '身份鉴别' });
    expect(res.body.test.decisionRule.zh).to.contain('部分符合');
    expect(res.body.highRiskCases.map((c: { id: string }) => c.id)).to.include('6.4.1.1');
  });

  it('answers bad filters with 400 naming the parameter, unknown codes with 404', async () => {
    const bad = await auditor.get('/api/v1/catalogue/items?level=7&lang=en').expect(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).to.deep.equal(['query.level']);
    const layer = await auditor.get('/api/v1/catalogue/items?layer=XYZ').expect(400);
    expect(layer.body.error.details[0].path).to.equal('query.layer');
    const unknown = await auditor.get('/api/v1/catalogue/items?colour=red').expect(400);
    expect(unknown.body.error.details[0].path).to.equal('query.colour');
    const missing = await auditor.get('/api/v1/catalogue/items/L3-CES1-16?lang=en').expect(404);
    expect(missing.body.error).to.include({ code: 'not_found', message: 'Catalogue item not found' });
    await auditor.get('/api/v1/catalogue/structure').expect(400);
  });

  it('gives the structure: layers, control points and counts', async () => {
    const res = await auditor.get('/api/v1/catalogue/structure?level=3&set=general').expect(200);
    expect(res.body).to.include({ items: 211, controlPoints: 71 });
    expect(res.body.layers.map((l: { code: string }) => l.code)).to.deep.equal(['PES', 'CNS', 'ABS', 'CES', 'SMC', 'PSS', 'ORS', 'HRS', 'CMS', 'MMS']);
    const ces = res.body.layers.find((l: { code: string }) => l.code === 'CES');
    expect(ces.controlPoints[0]).to.deep.include({ zh: '身份鉴别', items: 4, codes: ['L3-CES1-01', 'L3-CES1-04'] });
    const cloud = await auditor.get('/api/v1/catalogue/structure?level=4&set=cloud').expect(200);
    expect(cloud.body.items).to.equal(49);
  });

  it('lists high-risk cases by level and set', async () => {
    const l3cloud = await auditor.get('/api/v1/catalogue/high-risk-cases?level=3&set=cloud').expect(200);
    expect(l3cloud.body.data.every((c: { extension: string; minLevel: number }) => c.extension === 'cloud' && c.minLevel <= 3)).to.equal(true);
    expect(l3cloud.body.data.map((c: { id: string }) => c.id)).not.to.include('7.2.1.3'); // level 4 only
    for (const c of l3cloud.body.data) for (const u of c.units) expect(u).to.match(/^L3-/);
    const all = await auditor.get('/api/v1/catalogue/high-risk-cases').expect(200);
    expect(all.body.meta.total).to.equal(81);
  });
});

describe('catalogue export', () => {
  it('writes an xlsx that reads back with the units and their text', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dengbao-export-'));
    try {
      const out = path.join(dir, 'l3.xlsx');
      const res = await runCli(['catalogue', 'export', '--level', '3', '--set', 'general', '--format', 'xlsx', '--out', out], {});
      expect(res.code, res.stderr).to.equal(0);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.readFile(out);
      const ws = wb.getWorksheet('测评项 Units')!;
      expect(ws.rowCount).to.equal(212);
      expect(ws.getCell('A1').value).to.equal('测评单元编号 Code');
      expect(ws.getCell('A2').value).to.equal('L3-PES1-01');
      const ces02 = ws.getColumn(1).values.indexOf('L3-CES1-02');
      expect(String(ws.getRow(ces02).getCell(9).value)).to.contain('登录失败处理');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes CSV with a BOM and JSON; rejects a bad level', async () => {
    const csv = await runCli(['catalogue', 'export', '--level', '4', '--set', 'cloud', '--format', 'csv'], {});
    expect(csv.stdout.charCodeAt(0)).to.equal(0xfeff);
    expect(csv.stdout.trim().split('\r\n').length).to.be.greaterThan(49); // header + 49 units (some cells span lines)
    const json = await runCli(['catalogue', 'export', '--level', '4', '--format', 'json'], {});
    expect(JSON.parse(json.stdout).items).to.have.length(341); // 228 general + 49 cloud + 21 mobile + 21 IoT + 22 industrial control
    const bad = await runCli(['catalogue', 'export', '--level', '7'], {});
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.contain('--level');
  });
});
