import { expect } from 'chai';
import type { Browser, Page } from 'puppeteer-core';
import { API_ROUTES } from '../../server/http/openapi/document.js';
import { NOT_IN_UI, PENDING_FORMS, UI_FORMS, type UiForm } from '../../server/web/ui-coverage.js';
import { DEMO_PASSWORD, demoOrganizations, signIn as apiSignIn } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { startBrowserApp, type BrowserApp } from '../utils/browser-app.js';

/** Permissions an officer or a consultant holds (an officer holds every organisation permission). */
const callable = (permission: string) => permission.split(' or ').some((p) => p.startsWith('org:') || p === 'signed-in' || p === 'public');
const WRITES = API_ROUTES.filter((r) => r.method !== 'GET' && callable(r.permission)).map((r) => `${r.method} ${r.path}`);

/**
 * Issue 14 §1: every write route under /api/v1 an officer or consultant may call has a form in the
 * web UI (server/web/ui-coverage.ts), or is listed as pending (another helper's form) or as not in
 * the UI with a reason. Each mapped form is looked for on its page, as the role, in Chromium.
 */
describe('UI coverage of the API (the lists)', () => {
  it('every write route an officer or consultant may call is mapped, pending or explained; no list names a route that does not exist', () => {
    const listed = [...Object.keys(UI_FORMS), ...Object.keys(PENDING_FORMS), ...Object.keys(NOT_IN_UI)];
    const unmapped = WRITES.filter((r) => !listed.includes(r));
    expect(unmapped, 'write routes with no form and no reason').to.deep.equal([]);
    expect(listed.filter((r) => !WRITES.includes(r)), 'entries naming no such write route').to.deep.equal([]);
    expect(listed.length, 'a route in two lists').to.equal(new Set(listed).size);
    for (const [route, reason] of Object.entries({ ...PENDING_FORMS, ...NOT_IN_UI })) expect(reason.trim().length, `${route}: a reason`).to.be.greaterThan(10);
  });
});

describeEachEngine('UI coverage of the API (the forms on their pages)', (ctx) => {
  let harness: BrowserApp;
  let browser: Browser;
  let base: string;
  const ids: Record<string, string> = {};
  const pages = new Map<string, Page>();

  before(async function () {
    this.timeout(120_000);
    harness = await startBrowserApp(ctx.db);
    ({ browser, base } = harness);
    const knex = ctx.db.knex;
    ids.org = (await demoOrganizations(ctx.db)).citybrain;
    // An assessment under way with findings and hazards: the findings board shows all its forms.
    const hazard = await knex('hazards').join('assessments', 'assessments.id', 'hazards.assessment_id').where('assessments.organization_id', ids.org).where('assessments.status', 'in_progress').first('hazards.id', 'hazards.assessment_id');
    const assessment = hazard ? await knex('assessments').where({ id: hazard.assessment_id }).first() : await knex('assessments').where({ organization_id: ids.org, status: 'in_progress' }).first();
    ids.assessment = assessment.id;
    ids.system = assessment.system_id;
    ids.hazard = hazard?.id ?? '';
    ids.object = (await knex('assessed_objects').where({ system_id: ids.system }).first()).id;
    ids.finding = (await knex('findings').where({ assessment_id: ids.assessment }).first()).id;
    const officer = await knex('users').where({ username: 'officer' }).first();
    ids.membership = (await knex('memberships').where({ organization_id: ids.org }).whereNot({ user_id: officer.id }).first()).id;
    // A private platform of the organisation (the demo's are published ones).
    const own = await knex('platforms').where({ organization_id: ids.org, published: false }).first();
    if (own) ids.platform = own.id;
    else {
      const agent = await apiSignIn(harness.app, 'officer');
      const body = { organizationId: ids.org, provider: 'Example', product: 'Coverage cloud', level: 3, reportNumber: 'COV-1', assessingOrganization: 'Example centre', conclusion: '符合', testDate: '2026-01-10' };
      ids.platform = (await agent.post('/api/v1/platforms').send(body).expect(201)).body.id;
    }
  });
  after(async () => {
    for (const p of pages.values()) await p.browserContext().close();
    await harness?.close();
  });

  async function pageAs(role: UiForm['role']): Promise<Page> {
    if (pages.has(role)) return pages.get(role)!;
    const page = await (await browser.createBrowserContext()).newPage();
    if (role !== 'anonymous') {
      await page.goto(`${base}/login`);
      await page.type('input[name=username]', role);
      await page.type('input[name=password]', DEMO_PASSWORD);
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    }
    pages.set(role, page);
    return page;
  }

  const fill = (template: string) =>
    template.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] || '00000000-0000-4000-8000-000000000000');

  it('each mapped form is on its page for its role (or, when the demo is not in the state that shows it, the pages answer its action)', async function () {
    this.timeout(300_000);
    const missing: string[] = [];
    for (const [route, form] of Object.entries(UI_FORMS)) {
      const page = await pageAs(form.role);
      const action = fill(form.action);
      if (form.shownWhen) {
        // A POST without its CSRF token: 403 from the form's own route; an unknown route is 404.
        const status = await page.evaluate(async (a) => (await fetch(a, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ x: '1' }) })).status, action);
        if (status !== 403) missing.push(`${route}: POST ${action} answered ${status} (expected the form's route: 403 without CSRF)`);
        continue;
      }
      const res = await page.goto(`${base}${fill(form.page)}`);
      if (res?.status() !== 200 && res?.status() !== 304) {
        missing.push(`${route}: page ${fill(form.page)} answered ${res?.status()}`);
        continue;
      }
      const actions = await page.$$eval('form[action], button[formaction]', (els) =>
        els.map((e) => new URL(e.getAttribute(e.tagName === 'FORM' ? 'action' : 'formaction')!, location.href).pathname),
      );
      // Compared by shape (every id as :id): a form for some finding or member of the page will do.
      const shape = (a: string) => a.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, ':id');
      if (!actions.map(shape).includes(shape(action))) missing.push(`${route}: no form posting to ${action} on ${fill(form.page)} as ${form.role}`);
    }
    expect(missing).to.deep.equal([]);
  });
});
