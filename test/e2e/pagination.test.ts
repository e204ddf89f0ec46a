import { expect } from 'chai';
import type { Express } from 'express';
import { newId } from '../../server/util.js';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { allPages, nextLink } from '../utils/pages.js';
import { countStatements } from '../utils/statements.js';

const RATIONALE = '业务信息遭到破坏后会对社会秩序和公共利益造成严重损害。';
const L2 = { businessHarms: [{ object: 'citizens', degree: 'serious' }], serviceHarms: [{ object: 'social', degree: 'general' }] };
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
type Row = { id: string; [k: string]: unknown };

describeEachEngine('pagination of every list route', (ctx) => {
  let app: Express;
  let officer: Agent, auditor: Agent, admin: Agent, consultant: Agent;
  let orgs: { citybrain: string; bank: string };
  let demo: { system: string; assessment: string; platform: string };

  /** Systems straight into the table (a portfolio is faster built than posted): `n` more of the city brain's. */
  async function addSystems(n: number, prefix: string) {
    const user = await ctx.db.knex('users').where({ username: 'officer' }).first();
    const rows = Array.from({ length: n }, (_, i) => ({
      id: newId(),
      organization_id: orgs.citybrain,
      name: `${prefix} ${String(i).padStart(4, '0')}`,
      deployment: 'on_premises',
      status: 'grading',
      created_by: user.id,
      created_at: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}.000Z`,
      updated_at: `2026-02-01T00:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}.000Z`,
    }));
    for (let i = 0; i < rows.length; i += 100) await ctx.db.knex('systems').insert(rows.slice(i, i + 100));
    return rows;
  }

  /** Copies of the demo assessment (a long list of assessments without creating thousands of results). */
  async function addAssessments(n: number) {
    const a = await ctx.db.knex('assessments').where({ id: demo.assessment }).first();
    const rows = Array.from({ length: n }, (_, i) => ({ ...a, id: newId(), report_number: null, previous_revision_id: null, retest_of_id: null, created_at: `2025-06-01T00:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(3, '0')}Z` }));
    for (let i = 0; i < rows.length; i += 50) await ctx.db.knex('assessments').insert(rows.slice(i, i + 50));
  }

  before(async function () {
    this.timeout(120_000);
    app = await createTestApp(ctx.db);
    officer = await signIn(app, 'officer');
    auditor = await signIn(app, 'auditor');
    consultant = await signIn(app, 'consultant');
    admin = await signIn(app, 'admin');
    orgs = await demoOrganizations(ctx.db);
    const system = (await auditor.get('/api/v1/systems').expect(200)).body.data.find((s: { name: string }) => s.name === '城市大脑运营管理平台');
    const assessment = (await auditor.get(`/api/v1/assessments?systemId=${system.id}`).expect(200)).body.data[0];
    const platform = (await auditor.get('/api/v1/platforms').expect(200)).body.data[0];
    demo = { system: system.id, assessment: assessment.id, platform: platform.id };
  });

  // Every GET of the API that returns a list, with the demo data's ids (GET /deadlines is paged by its own module).
  const LISTS: Array<[who: 'auditor' | 'admin' | 'officer', url: () => string]> = [
    ['auditor', () => '/api/v1/systems'],
    ['auditor', () => `/api/v1/systems/${demo.system}/history`],
    ['auditor', () => `/api/v1/systems/${demo.system}/objects`],
    ['auditor', () => `/api/v1/systems/${demo.system}/gradings`],
    ['auditor', () => `/api/v1/systems/${demo.system}/inspections`],
    ['auditor', () => `/api/v1/systems/${demo.system}/documents`],
    ['auditor', () => `/api/v1/systems/${demo.system}/protection-plans`],
    ['auditor', () => `/api/v1/systems/${demo.system}/deployed-products`],
    ['auditor', () => '/api/v1/assessments'],
    ['auditor', () => `/api/v1/assessments/${demo.assessment}/results`],
    ['auditor', () => `/api/v1/assessments/${demo.assessment}/findings`],
    ['auditor', () => `/api/v1/assessments/${demo.assessment}/hazards`],
    ['auditor', () => `/api/v1/assessments/${demo.assessment}/hazards/suggestions`],
    ['auditor', () => `/api/v1/assessments/${demo.assessment}/scans`],
    ['auditor', () => `/api/v1/assessments/${demo.assessment}/vulnerabilities`],
    ['auditor', () => `/api/v1/assessments/${demo.assessment}/pentests`],
    ['auditor', () => `/api/v1/assessments/${demo.assessment}/compensations`],
    ['auditor', () => `/api/v1/assessments/${demo.assessment}/extra-items`],
    ['auditor', () => `/api/v1/assessments/${demo.assessment}/reports`],
    ['auditor', () => `/api/v1/assessments/${demo.assessment}/recommendations`],
    ['auditor', () => '/api/v1/evidence'],
    ['auditor', () => '/api/v1/evidence-requests'],
    ['auditor', () => `/api/v1/audit?organizationId=${orgs.citybrain}`],
    ['auditor', () => `/api/v1/organizations/${orgs.citybrain}/report-templates`],
    ['auditor', () => '/api/v1/tokens'],
    ['auditor', () => '/api/v1/me/sessions'],
    ['auditor', () => '/api/v1/platforms'],
    ['auditor', () => `/api/v1/platforms/${demo.platform}/responsibilities`],
    ['auditor', () => '/api/v1/products'],
    ['auditor', () => '/api/v1/products/categories'],
    ['auditor', () => '/api/v1/catalogue/items'],
    ['auditor', () => '/api/v1/catalogue/high-risk-cases'],
    ['auditor', () => '/api/v1/major-risk-triggers'],
    ['admin', () => '/api/v1/users'],
    ['admin', () => '/api/v1/organizations'],
    ['officer', () => `/api/v1/organizations/${orgs.citybrain}/members`],
  ];
  const agentOf = (who: string) => ({ auditor, admin, officer })[who]!;
  const withQuery = (url: string, q: string) => `${url}${url.includes('?') ? '&' : '?'}${q}`;

  it('every list route: a default page of at most 100 with X-Total-Count; the next links walk every row once; bad pageSize and cursor are 400 naming them', async function () {
    this.timeout(600_000);
    const failures: string[] = [];
    for (const [who, urlOf] of LISTS) {
      const agent = agentOf(who);
      const url = urlOf();
      const first = await agent.get(url);
      if (first.status !== 200 || !Array.isArray(first.body.data)) {
        failures.push(`${url} → ${first.status}`);
        continue;
      }
      const total = Number(first.headers['x-total-count']);
      if (!Number.isInteger(total)) failures.push(`${url}: no X-Total-Count`);
      if (first.body.data.length !== Math.min(total, 100)) failures.push(`${url}: first page ${first.body.data.length} rows of ${total}`);
      if (!!nextLink(first.headers.link) !== total > 100) failures.push(`${url}: next link ${first.headers.link} with ${total} rows`);
      // Three pages or so, each row once, in the order of one big page.
      const size = Math.max(1, Math.ceil(total / 3));
      const walked = await allPages<Row>(agent, withQuery(url, `pageSize=${size}`));
      const whole = total <= 500 ? (await agent.get(withQuery(url, 'pageSize=500')).expect(200)).body.data : walked;
      if (walked.length !== total) failures.push(`${url}: walked ${walked.length} of ${total}`);
      if (JSON.stringify(walked) !== JSON.stringify(whole)) failures.push(`${url}: pages differ from one page`);
      for (const bad of ['pageSize=0', 'pageSize=501', 'pageSize=abc']) {
        const res = await agent.get(withQuery(url, bad));
        if (res.status !== 400 || !res.body.error.details.some((d: { path: string }) => d.path === 'query.pageSize')) failures.push(`${url}?${bad} → ${res.status}`);
      }
      for (const bad of ['%%%', 'bm90IGpzb24', cursorOf(['a', 1, 2, 3, 4, 5]), cursorOf({ a: 1 }), cursorOf(['a', 'x', 'not-a-uuid'])]) {
        const res = await agent.get(withQuery(url, `cursor=${bad}`));
        if (res.status !== 400 || !res.body.error.details.some((d: { path: string }) => d.path === 'query.cursor')) failures.push(`${url}?cursor=${bad} → ${res.status}`);
      }
    }
    expect(failures, failures.join('\n')).to.deep.equal([]);
  });

  it('a bad cursor is refused in the caller’s language', async () => {
    const zh = await auditor.get('/api/v1/systems?cursor=abc').expect(400);
    expect(zh.body.error.details[0]).to.include({ path: 'query.cursor', code: 'invalid_cursor' });
    expect(zh.body.error.details[0].message).to.contain('游标');
    const en = await auditor.get('/api/v1/systems?cursor=abc&lang=en').expect(400);
    expect(en.body.error.details[0].message).to.contain('cursor');
  });

  it('systems: 100 by default, filters and sorts in SQL (name search, level, status, updatedAt), the next link walks them all', async function () {
    this.timeout(120_000);
    const added = await addSystems(230, 'Portfolio');
    const first = await auditor.get('/api/v1/systems').expect(200);
    const total = Number(first.headers['x-total-count']);
    expect(first.body.data).to.have.length(100);
    expect(total).to.be.greaterThan(230);
    const all = await allPages<{ id: string; name: string }>(auditor, '/api/v1/systems');
    expect(all).to.have.length(total);
    expect(new Set(all.map((s) => s.id)).size).to.equal(total);
    const names = all.map((s) => s.name);
    expect(names).to.deep.equal([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));

    const found = await auditor.get('/api/v1/systems?q=portFOLIO 012&pageSize=5').expect(200);
    expect(found.headers['x-total-count']).to.equal('10');
    expect(found.body.data.map((s: { name: string }) => s.name)).to.deep.equal(['Portfolio 0120', 'Portfolio 0121', 'Portfolio 0122', 'Portfolio 0123', 'Portfolio 0124']);
    expect((await allPages(auditor, '/api/v1/systems?q=portfolio 012&pageSize=3')).length).to.equal(10);
    expect((await auditor.get('/api/v1/systems?q=50%25').expect(200)).body.data).to.deep.equal([]); // % is a character, not a wildcard

    const byUpdate = await allPages<{ updatedAt: string }>(auditor, '/api/v1/systems?sort=updatedAt&pageSize=70');
    expect(byUpdate).to.have.length(total);
    expect(byUpdate.map((s) => s.updatedAt)).to.deep.equal(byUpdate.map((s) => s.updatedAt).sort().reverse());

    const graded = added[7]!;
    const g = await officer.post(`/api/v1/systems/${graded.id}/gradings`).send({ ...L2, rationale: RATIONALE, gradedOn: '2026-01-05' }).expect(201);
    expect(g.body.level).to.equal(2);
    const level2 = await allPages<{ id: string; grading: { level: number } }>(auditor, '/api/v1/systems?level=2&pageSize=2');
    expect(level2.map((s) => s.id)).to.include(graded.id);
    expect(level2.every((s) => s.grading.level === 2)).to.equal(true);
    const grading = await allPages<{ status: string }>(auditor, '/api/v1/systems?status=grading');
    expect(grading.length).to.be.at.least(230);
    expect(grading.every((s) => s.status === 'grading')).to.equal(true);
    await auditor.get('/api/v1/systems?sort=colour').expect(400);
  });

  it('results: filters by layer, code, object and value in SQL; pages follow the standard order', async function () {
    this.timeout(120_000);
    const url = `/api/v1/assessments/${demo.assessment}/results`;
    const all = await allPages<{ id: string; code: string; layer: string; objectId: string | null; value: string }>(auditor, url);
    expect(all.length).to.be.greaterThan(300);
    const pes = await allPages<{ layer: string }>(auditor, `${url}?layer=PES&pageSize=7`);
    expect(pes.length).to.equal(all.filter((r) => r.layer === 'PES').length).and.be.greaterThan(0);
    const code = all.find((r) => r.objectId)!.code;
    const byCode = await allPages<{ code: string }>(auditor, `${url}?code=${code}`);
    expect(byCode.map((r) => r.code)).to.deep.equal(all.filter((r) => r.code === code).map((r) => r.code));
    const objectId = all.find((r) => r.objectId)!.objectId!;
    const byObject = await allPages<{ id: string }>(auditor, `${url}?objectId=${objectId}&pageSize=9`);
    expect(byObject.map((r) => r.id)).to.deep.equal(all.filter((r) => r.objectId === objectId).map((r) => r.id));
    const system = await allPages<{ id: string }>(auditor, `${url}?objectId=system&pageSize=50`);
    expect(system.map((r) => r.id)).to.deep.equal(all.filter((r) => r.objectId === null).map((r) => r.id));
    const nonconform = await auditor.get(`${url}?value=nonconform&pageSize=2`).expect(200);
    expect(Number(nonconform.headers['x-total-count'])).to.equal(all.filter((r) => r.value === 'nonconform').length);
    await auditor.get(`${url}?code=nope`).expect(400);
    // Standard order: a unit's rows together, units in catalogue order (PES, the physical layer, first).
    expect(all[0]!.layer).to.equal('PES');
    const seen = new Set<string>();
    all.forEach((r, i) => {
      if (i && all[i - 1]!.code !== r.code) expect(seen.has(r.code), `${r.code} split`).to.equal(false);
      seen.add(r.code);
    });
  });

  it('assessments, evidence and audit: keyset pages newest first, walked by the next link', async function () {
    this.timeout(120_000);
    await addAssessments(130);
    const all = await allPages<{ id: string; createdAt: string }>(auditor, `/api/v1/assessments?organizationId=${orgs.citybrain}`);
    const head = await auditor.get(`/api/v1/assessments?organizationId=${orgs.citybrain}`).expect(200);
    expect(head.body.data).to.have.length(100);
    expect(all).to.have.length(Number(head.headers['x-total-count']));
    expect(all.map((a) => a.createdAt)).to.deep.equal(all.map((a) => a.createdAt).sort().reverse());
    const kinds = await allPages<{ kind: string }>(auditor, '/api/v1/assessments?kind=formal_test&pageSize=40');
    expect(kinds.every((a) => a.kind === 'formal_test')).to.equal(true);

    const entries = await allPages<{ seq: number }>(auditor, `/api/v1/audit?organizationId=${orgs.citybrain}&pageSize=50`);
    const count = Number((await auditor.get(`/api/v1/audit?organizationId=${orgs.citybrain}`)).headers['x-total-count']);
    expect(entries).to.have.length(count);
    // The older page-number form still answers.
    const page2 = (await auditor.get(`/api/v1/audit?organizationId=${orgs.citybrain}&page=2&pageSize=50`).expect(200)).body;
    expect(page2.data.map((e: { seq: number }) => e.seq)).to.deep.equal(entries.slice(50, 100).map((e) => e.seq));
    const evidence = await allPages<{ id: string }>(auditor, '/api/v1/evidence?pageSize=3');
    expect(evidence.length).to.equal(Number((await auditor.get('/api/v1/evidence')).headers['x-total-count']));
  });

  it('the systems and evidence pages link to the next and previous pages with translated labels', async function () {
    this.timeout(60_000);
    await addSystems(60, 'Paged');
    const first = await officer.get('/systems').expect(200);
    const next = first.text.match(/<a href="([^"]+)">下一页<\/a>/)?.[1]?.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
    expect(next, 'a next link').to.be.a('string').and.contain('cursor=');
    expect(first.text).not.to.contain('上一页');
    const second = await officer.get(next!).expect(200);
    expect(second.text).to.contain('第 2 页');
    const prev = second.text.match(/<a href="([^"]+)">上一页<\/a>/)?.[1]?.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
    const back = await officer.get(prev!).expect(200);
    const rowsOf = (html: string) => [...html.matchAll(/href="\/systems\/([0-9a-f-]{36})"/g)].map((m) => m[1]);
    expect(rowsOf(back.text)).to.deep.equal(rowsOf(first.text));
    expect(rowsOf(second.text)).not.to.include.members(rowsOf(first.text).slice(0, 1));
    const en = await officer.get(`${next!}&lang=en`).expect(200);
    expect(en.text).to.contain('>Previous</a>');
    // An old or damaged cursor in the address starts again at the first page.
    expect(rowsOf((await officer.get('/systems?cursor=zzz').expect(200)).text)).to.deep.equal(rowsOf(first.text));
    const library = await officer.get('/evidence').expect(200);
    expect(library.text).to.contain('第 1 页');
  });

  it('statements: the systems list, the assessments list and a bulk write of 300 results do not grow with the number of rows', async function () {
    this.timeout(300_000);
    const statementsOf = async (fn: () => Promise<unknown>) => (await countStatements(ctx.db.knex, fn as () => Promise<unknown>)).count;
    await addSystems(5, 'Statement');
    const systemsFive = await statementsOf(() => auditor.get('/api/v1/systems?q=Statement&pageSize=500').expect(200));
    await addSystems(400, 'Statement more');
    const systemsMany = await statementsOf(() => auditor.get('/api/v1/systems?q=Statement&pageSize=500').expect(200));
    expect(systemsMany).to.equal(systemsFive);
    expect(systemsMany).to.be.at.most(12);

    const assessmentsBefore = await statementsOf(() => auditor.get('/api/v1/assessments?pageSize=500').expect(200));
    await addAssessments(200);
    const assessmentsAfter = await statementsOf(() => auditor.get('/api/v1/assessments?pageSize=500').expect(200));
    expect(assessmentsAfter).to.equal(assessmentsBefore).and.be.at.most(12);

    const url = `/api/v1/assessments/${demo.assessment}/results`;
    const bulk = async (n: number) => {
      const rows = (await allPages<{ code: string; objectId: string | null; rowVersion: number; value: string }>(consultant, url)).slice(0, n);
      const results = rows.map((r) => ({ code: r.code, objectId: r.objectId, rowVersion: r.rowVersion, value: r.value === 'conform' ? 'partial' : 'conform' }));
      const { count, value: result } = await countStatements(ctx.db.knex, () => consultant.post(`${url}/bulk`).send({ results }).expect(200));
      expect(result.body.data).to.have.length(n);
      expect(result.body.data.map((r: { rowVersion: number }) => r.rowVersion)).to.deep.equal(rows.map((r) => r.rowVersion + 1));
      return count;
    };
    const three = await bulk(3);
    const threeHundred = await bulk(300);
    expect(threeHundred, `${threeHundred} statements for 300 rows, ${three} for 3`).to.equal(three);
    expect(threeHundred).to.be.at.most(30);
  });

  it('a bulk write keeps row versions: a stale row in a batch of 300 is 409 with the current row, and nothing is written', async function () {
    this.timeout(120_000);
    const url = `/api/v1/assessments/${demo.assessment}/results`;
    const rows = (await allPages<{ id: string; code: string; objectId: string | null; rowVersion: number; value: string }>(consultant, url)).slice(0, 300);
    const results = rows.map((r) => ({ code: r.code, objectId: r.objectId, rowVersion: r.rowVersion, value: 'na' as const }));
    results[150] = { ...results[150]!, rowVersion: results[150]!.rowVersion - 1 };
    const auditBefore = Number((await auditor.get(`/api/v1/audit?organizationId=${orgs.citybrain}&action=result.change`)).headers['x-total-count']);
    const res = await consultant.post(`${url}/bulk`).send({ results }).expect(409);
    expect(res.body.error.details[0]).to.include({ path: 'results.150.rowVersion', code: 'stale_row_version' });
    expect(res.body.error.details[0].current).to.include({ id: rows[150]!.id, rowVersion: rows[150]!.rowVersion });
    const after = (await allPages<{ id: string; rowVersion: number }>(consultant, url)).slice(0, 300);
    expect(after.map((r) => r.rowVersion)).to.deep.equal(rows.map((r) => r.rowVersion));
    const auditAfter = Number((await auditor.get(`/api/v1/audit?organizationId=${orgs.citybrain}&action=result.change`)).headers['x-total-count']);
    expect(auditAfter).to.equal(auditBefore);
    // The same row twice in one batch: the second write is stale, as when rows were written one by one.
    const twice = [results[0]!, results[0]!].map((r) => ({ ...r, rowVersion: rows[0]!.rowVersion }));
    const dup = await consultant.post(`${url}/bulk`).send({ results: twice }).expect(409);
    expect(dup.body.error.details[0].current).to.include({ id: rows[0]!.id, rowVersion: rows[0]!.rowVersion + 1 });
    // A good batch writes every row with one audit entry each.
    const fresh = results.map((r, i) => ({ ...r, rowVersion: rows[i]!.rowVersion }));
    await consultant.post(`${url}/bulk`).send({ results: fresh }).expect(200);
    const auditDone = Number((await auditor.get(`/api/v1/audit?organizationId=${orgs.citybrain}&action=result.change`)).headers['x-total-count']);
    expect(auditDone).to.equal(auditBefore + 300);
  });
});
