import { expect } from 'chai';
import type { Express } from 'express';
import { createTestApp, signIn, type Agent } from '../utils/app.js';
import { csrfOf } from '../utils/csrf.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { png } from '../utils/files.js';
import { bigAssessment } from '../../bench/big-assessment.js';
import { loadCaller } from '../../server/services/callers.js';

/** The workspace at the demo's volume: a page per control point, the dense grid, templates, copying, evidence on the row, extra items. */
describeEachEngine('assessment workspace at volume', (ctx) => {
  let app: Express;
  let consultant: Agent;
  let auditor: Agent;
  let csrf: string;
  let id: string;
  const rowOf = async (code: string, objectKey: string) => ctx.db.knex('assessment_results').where({ assessment_id: id, code, object_key: objectKey }).first();

  before(async function () {
    this.timeout(120_000);
    app = await createTestApp(ctx.db);
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
    csrf = await csrfOf(consultant);
    id = (await ctx.db.knex('assessments').where({ kind: 'formal_test' }).first()).id;
  });
  after(async () => {
    await (app.locals.deps as { printer: { close(): Promise<void> } }).printer.close();
  });

  it('shows one control point of the 安全计算环境 layer per page, with every control point’s progress and the layer’s', async () => {
    const res = await consultant.get(`/assessments/${id}?layer=CES&cp=0`).set('accept-language', 'zh-CN').expect(200);
    const units = [...res.text.matchAll(/<section class="unit" id="u-(L3-[A-Z]+\d-\d\d)"/g)].map((m) => m[1]);
    expect(units).to.deep.equal(['L3-CES1-01', 'L3-CES1-02', 'L3-CES1-03', 'L3-CES1-04']); // 身份鉴别 only
    expect(res.text).to.contain('<h2 id="cp">身份鉴别');
    // The navigator lists the layer's control points, each with assessed/total, and the layer's total.
    const total = await ctx.db.knex('assessment_results').where({ assessment_id: id }).where('code', 'like', 'L3-CES%').count({ n: '*' }).first();
    expect(res.text).to.match(new RegExp(`data-layer-progress="CES">\\d+/${Number(total!.n)}<`));
    expect((res.text.match(/<ul class="cps">[\s\S]*?<\/ul>/)![0].match(/<li/g) ?? []).length).to.be.greaterThan(8);
    expect(res.text).to.contain('rel="next"');
    // The unit's requirement text is said once per unit, not once per object.
    const text = '应对登录的用户进行身份标识和鉴别';
    expect(res.text.split(text).length - 1).to.equal(1);
    const next = await consultant.get(`/assessments/${id}?layer=CES&cp=1`).expect(200);
    expect(next.text).to.contain('id="u-L3-CES1-05"').and.not.to.contain('id="u-L3-CES1-01"');
  });

  it('with a filter, joins the control points that have matching rows on one page (up to 60 rows), each row matching', async () => {
    const res = await consultant.get(`/assessments/${id}?layer=CES&filter=nonconforming`).set('accept-language', 'zh-CN').expect(200);
    const values = [...res.text.matchAll(/<article class="result value-([a-z_]+)"/g)].map((m) => m[1]);
    expect(values.length).to.be.within(2, 60);
    expect(new Set(values)).to.satisfy((v: Set<string>) => [...v].every((x) => x === 'nonconform' || x === 'partial'));
    const units = [...res.text.matchAll(/<section class="unit" id="u-(L3-CES\d-\d\d)"/g)].map((m) => m[1]!);
    expect(units.length).to.be.greaterThan(1);
    expect(res.text.match(/<h2 id="cp">([^<]*)/)![1]).to.contain(' · '); // several control points named in the heading
  });

  it('records a result with a record template and comes back to the same row', async () => {
    const row = await ctx.db.knex('assessment_results').where({ assessment_id: id, code: 'L3-CES1-02' }).whereNot('object_key', 'system').first();
    const object = await ctx.db.knex('assessed_objects').where({ id: row.object_key }).first();
    const res = await consultant
      .post(`/assessments/${id}/results`)
      .type('form')
      .send({ _csrf: csrf, code: 'L3-CES1-02', objectId: row.object_key, rowVersion: String(row.row_version), value: 'partial', record: '', template: 'interview', resultId: row.id, back: '?layer=CES&cp=0' })
      .expect(303);
    expect(res.headers.location).to.equal(`/assessments/${id}?layer=CES&cp=0#r-${row.id}`);
    const saved = await rowOf('L3-CES1-02', row.object_key);
    expect(saved.value).to.equal('partial');
    expect(saved.record).to.contain('访谈').and.to.contain(object.name);
    expect(JSON.parse(saved.methods)).to.deep.equal(['interview']);
    // A stale row version comes back as a translated message on the page, nothing written.
    const stale = await consultant
      .post(`/assessments/${id}/results`)
      .type('form')
      .send({ _csrf: csrf, code: 'L3-CES1-02', objectId: row.object_key, rowVersion: String(row.row_version), value: 'conform', resultId: row.id, back: '?layer=CES&cp=0' })
      .expect(303);
    expect(decodeURIComponent(String(stale.headers.location).replace(/\+/g, ' '))).to.contain('已被他人修改');
    expect((await rowOf('L3-CES1-02', row.object_key)).value).to.equal('partial');
  });

  it('copies a result to objects of the same category in one transaction, audited, respecting row versions', async () => {
    const objects: Array<{ id: string; category: string; name: string }> = await ctx.db.knex('assessed_objects').where({ system_id: (await ctx.db.knex('assessments').where({ id }).first()).system_id });
    const rows = await ctx.db.knex('assessment_results').where({ assessment_id: id, code: 'L3-CES1-03' }).whereNot('object_key', 'system');
    const byCat = new Map<string, typeof rows>();
    for (const r of rows) {
      const cat = objects.find((o) => o.id === r.object_key)!.category;
      byCat.set(cat, [...(byCat.get(cat) ?? []), r]);
    }
    const same = [...byCat.values()].find((rs) => rs.length >= 3)!;
    const other = [...byCat.values()].find((rs) => rs !== same)![0];
    const [source, t1, t2] = same;
    await consultant.put(`/api/v1/assessments/${id}/results/L3-CES1-03`).send({ objectId: source.object_key, value: 'nonconform', record: '未启用登录失败处理功能', methods: ['inspection'], rowVersion: Number(source.row_version) }).expect(200);
    // Another category is refused, naming the target; a stale target refuses the whole copy.
    const bad = await consultant.post(`/api/v1/assessments/${id}/results/L3-CES1-03/copy`).send({ from: source.object_key, to: [{ objectId: other.object_key, rowVersion: Number(other.row_version) }] }).expect(400);
    expect(bad.body.error.details[0]).to.include({ path: 'to.0', code: 'not_same_category' });
    const stale = await consultant
      .post(`/api/v1/assessments/${id}/results/L3-CES1-03/copy`)
      .send({ from: source.object_key, to: [{ objectId: t1.object_key, rowVersion: Number(t1.row_version) }, { objectId: t2.object_key, rowVersion: Number(t2.row_version) + 5 }] })
      .expect(409);
    expect(stale.body.error.code).to.equal('conflict');
    expect((await rowOf('L3-CES1-03', t1.object_key)).row_version).to.equal(t1.row_version);
    // The page's form: both targets at once, back at the unit.
    const res = await consultant
      .post(`/assessments/${id}/results-copy`)
      .type('form')
      .send(`_csrf=${encodeURIComponent(csrf)}&code=L3-CES1-03&back=${encodeURIComponent('?layer=CES&cp=0')}&from=${source.object_key}&to=${t1.object_key}:${t1.row_version}&to=${t2.object_key}:${t2.row_version}`)
      .expect(303);
    expect(res.headers.location).to.equal(`/assessments/${id}?layer=CES&cp=0#u-L3-CES1-03`);
    for (const t of [t1, t2]) {
      const copied = await rowOf('L3-CES1-03', t.object_key);
      expect(copied).to.include({ value: 'nonconform', record: '未启用登录失败处理功能' });
      expect(Number(copied.row_version)).to.equal(Number(t.row_version) + 1);
      const audit = await ctx.db.knex('audit_entries').where({ target_type: 'assessment_result', target_id: t.id }).orderBy('seq', 'desc').first();
      expect(audit.action).to.equal('result.change');
    }
    // Auditors cannot copy.
    await auditor.post(`/api/v1/assessments/${id}/results/L3-CES1-03/copy`).send({ from: source.object_key, to: [{ objectId: t1.object_key, rowVersion: 1 }] }).expect(403);
  });

  it('offers the dense grid of a layer (units × objects) and saves changed cells in one submit', async () => {
    const grid = await consultant.get(`/assessments/${id}?layer=CES&view=grid`).set('accept-language', 'zh-CN').expect(200);
    const cells = [...grid.text.matchAll(/<select name="c\.(L3-CES\d-\d\d)\.([0-9a-f-]{36}|system)\.(\d+)"/g)];
    const total = await ctx.db.knex('assessment_results').where({ assessment_id: id }).where('code', 'like', 'L3-CES%').count({ n: '*' }).first();
    expect(cells.length).to.equal(Number(total!.n));
    const target = (await ctx.db.knex('assessment_results').where({ assessment_id: id, code: 'L3-CES1-07' }).whereNot('value', 'na').first())!;
    const unchanged = (await ctx.db.knex('assessment_results').where({ assessment_id: id, code: 'L3-CES1-08' }).whereNot('value', 'not_assessed').first())!;
    const body = new URLSearchParams({ _csrf: csrf, back: '?layer=CES&view=grid' });
    body.set(`c.L3-CES1-07.${target.object_key}.${target.row_version}`, 'na');
    body.set(`c.L3-CES1-08.${unchanged.object_key}.${unchanged.row_version}`, unchanged.value);
    const res = await consultant.post(`/assessments/${id}/results-grid`).type('form').send(body.toString()).expect(303);
    expect(res.headers.location).to.equal(`/assessments/${id}?layer=CES&view=grid#grid`);
    expect((await rowOf('L3-CES1-07', target.object_key)).value).to.equal('na');
    expect((await rowOf('L3-CES1-08', unchanged.object_key)).row_version).to.equal(unchanged.row_version); // untouched cells are not written
  });

  it('shows evidence attached to a result on its row at once, with the kind the user chose (translated) and the hash', async () => {
    const row = await ctx.db.knex('assessment_results').where({ assessment_id: id, code: 'L3-CES1-04' }).first();
    const up = await consultant
      .post(`/assessments/${id}/results/${row.id}/evidence?_csrf=${encodeURIComponent(csrf)}`)
      .set('accept', 'application/json')
      .set('accept-language', 'zh-CN')
      .field('kind', 'configuration')
      .attach('file', png(4242), 'ssh-config.png')
      .expect(201);
    expect(up.body).to.include({ title: 'ssh-config.png', kind: 'configuration', kindLabel: '配置文件' });
    expect(up.body.hash).to.match(/^[0-9a-f]{12}$/);
    const page = await consultant.get(`/assessments/${id}?layer=CES&cp=0`).set('accept-language', 'zh-CN').expect(200);
    const article = page.text.slice(page.text.indexOf(`id="r-${row.id}"`));
    expect(article.slice(0, article.indexOf('</article>'))).to.contain('ssh-config.png').and.to.contain('配置文件').and.to.contain(up.body.hash);
  });

  it('uploads from a unit’s form (no script) to the row it names; a resultId that is not a result is a 400 naming the field, with nothing stored', async () => {
    const row = await ctx.db.knex('assessment_results').where({ assessment_id: id, code: 'L3-CES1-03' }).orderBy('object_key').first();
    const page = await consultant.get(`/assessments/${id}?layer=CES&cp=0`).set('accept-language', 'zh-CN').expect(200);
    const unit = page.text.slice(page.text.indexOf('id="u-L3-CES1-03"'));
    const form = unit.slice(unit.indexOf('class="attach unit-attach"') - 300, unit.indexOf('</form>', unit.indexOf('class="attach unit-attach"')));
    expect(form).to.contain(`action="/assessments/${id}/results-evidence?_csrf=`).and.to.contain(`<option value="${row.id}">`).and.to.contain('上传证据到');
    const count = async () => Number(((await ctx.db.knex('evidence').count({ n: '*' }).first()) as { n: number | string }).n);
    const before = await count();
    const bad = await consultant
      .post(`/assessments/${id}/results-evidence?_csrf=${encodeURIComponent(csrf)}`)
      .set('accept-language', 'zh-CN')
      .field('resultId', 'not-a-result')
      .attach('file', png(4343), 'x.png')
      .expect(400);
    expect(bad.text).to.contain('请求参数无效').and.to.contain('有误的字段：<span class="field">证据所属对象</span>');
    expect(await count()).to.equal(before);
    const ok = await consultant
      .post(`/assessments/${id}/results-evidence?_csrf=${encodeURIComponent(csrf)}&back=${encodeURIComponent('?layer=CES&cp=0')}`)
      .field('resultId', row.id)
      .field('kind', 'log_excerpt')
      .attach('file', png(4344), 'audit-log.png')
      .expect(303);
    expect(ok.headers.location).to.equal(`/assessments/${id}?layer=CES&cp=0#r-${row.id}`);
    const linked = await ctx.db.knex('evidence_links').join('evidence', 'evidence.id', 'evidence_links.evidence_id').where({ target_id: row.id, title: 'audit-log.png' }).first('evidence.kind');
    expect(linked.kind).to.equal('log_excerpt');
  });

  it('shows the assessor’s extra items (X-…) with their results and records them', async () => {
    await consultant.post(`/api/v1/assessments/${id}/extra-items`).send({ code: 'X-GAT2182-01', title: '关键信息基础设施补充检查', value: 'partial', record: '部分落实' }).expect(201);
    const page = await consultant.get(`/assessments/${id}?layer=ADD`).set('accept-language', 'zh-CN').expect(200);
    expect(page.text).to.contain('补充测评项').and.to.contain('X-GAT2182-01').and.to.contain('部分落实');
    const res = await consultant.post(`/assessments/${id}/extra-items/X-GAT2182-01`).type('form').send({ _csrf: csrf, value: 'conform', record: '已全部落实', back: '?layer=ADD' }).expect(303);
    expect(res.headers.location).to.equal(`/assessments/${id}?layer=ADD#x-X-GAT2182-01`);
    expect(await ctx.db.knex('assessment_extra_items').where({ assessment_id: id, code: 'X-GAT2182-01' }).first()).to.include({ value: 'conform', record: '已全部落实' });
    // The tree lists them with their own progress.
    const tree = await consultant.get(`/assessments/${id}?layer=CES`).set('accept-language', 'en').expect(200);
    expect(tree.text).to.match(/ADD Additional items<\/a> <span class="muted" data-layer-progress="ADD">1\/1</);
  });

  it('shows a big control point a group of objects at a time (25, then the rest), and a form comes back to its group', async function () {
    this.timeout(120_000);
    const officer = await ctx.db.knex('users').where({ username: 'officer' }).first();
    const big = await bigAssessment(ctx.db.knex, (await loadCaller(ctx.db.knex, officer.id, 'session'))!, 30);
    const objectsOn = (html: string) => new Set([...html.matchAll(/<article class="result[^"]*" id="r-[^"]+" tabindex="0" data-code="[^"]+" data-object="([^"]+)"/g)].map((m) => m[1]));
    // 身份鉴别's four units apply to 27 of the 30 objects (data resources and some others are out of their scope).
    const all = await ctx.db.knex('assessment_results').where({ assessment_id: big }).whereIn('code', ['L3-CES1-01', 'L3-CES1-02', 'L3-CES1-03', 'L3-CES1-04']).distinct('object_key');
    const n = all.length;
    expect(n).to.be.within(26, 30);
    const first = await consultant.get(`/assessments/${big}?layer=CES&cp=0`).set('accept-language', 'zh-CN').expect(200);
    const rowsOnFirst = (first.text.match(/<article class="result/g) ?? []).length;
    expect(rowsOnFirst).to.be.within(1, 100);
    const one = objectsOn(first.text);
    expect(one.size).to.equal(25);
    expect(first.text).to.contain(`对象 1–25（共 ${n} 个）`).and.to.contain('layer&#x3D;CES&amp;cp&#x3D;0&amp;part&#x3D;2').and.to.contain('下一组对象');
    const second = await consultant.get(`/assessments/${big}?layer=CES&cp=0&part=2`).set('accept-language', 'en').expect(200);
    expect(second.text).to.contain(`Objects 26–${n} of ${n}`).and.to.contain('Previous objects').and.not.to.contain('Next objects');
    const two = objectsOn(second.text);
    expect(two.size).to.equal(n - 25);
    expect([...two].filter((o) => one.has(o))).to.deep.equal([]);
    expect(new Set([...one, ...two])).to.deep.equal(new Set(all.map((r: { object_key: string }) => r.object_key)));
    // A value recorded on the second group comes back to it, at the row.
    const back = /class="entry">(?:<input type="hidden"[^>]*>)*?<input type="hidden" name="back" value="([^"]+)"/.exec(second.text)![1]!.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
    expect(back).to.equal('?layer=CES&cp=0&part=2');
    const row = await ctx.db.knex('assessment_results').where({ assessment_id: big, code: 'L3-CES1-01', object_key: [...two][0] }).first();
    const res = await consultant.post(`/assessments/${big}/results`).type('form').send({ _csrf: csrf, code: row.code, objectId: row.object_key, rowVersion: String(row.row_version), resultId: row.id, back, value: 'nonconform', record: '第二组对象的记录' }).expect(303);
    expect(res.headers.location).to.equal(`/assessments/${big}?layer=CES&cp=0&part=2#r-${row.id}`);
    // Past the last group: the last one.
    const beyond = await consultant.get(`/assessments/${big}?layer=CES&cp=0&part=99`).set('accept-language', 'en').expect(200);
    expect(beyond.text).to.contain(`Objects 26–${n} of ${n}`);
  });

  it('shows auditors the page without any edit control', async () => {
    const page = await auditor.get(`/assessments/${id}?layer=CES`).expect(200);
    expect(page.text).not.to.contain('method="post" action="/assessments/');
    const grid = await auditor.get(`/assessments/${id}?layer=CES&view=grid`).expect(200);
    expect(grid.text).not.to.contain('<select name="c.');
  });
});
