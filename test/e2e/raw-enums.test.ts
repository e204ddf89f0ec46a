import { expect } from 'chai';
import type { Express } from 'express';
import { ORG_ROLES } from '../../server/context.js';
import { createTestApp, signIn } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { rawEnumValues } from '../utils/raw-enums.js';

/** Visible text of a page: no markup, scripts, styles or the values of form options. */
const visible = (html: string) =>
  html
    .replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>|<header[\s\S]*?<\/header>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&[a-z#0-9]+;/g, ' ')
    .replace(/\s+/g, ' ');

/**
 * No raw enum value (formal_test, in_progress, screenshot, provider, (confirmed)…) is visible on
 * the pages an officer reads, in either language. The values come from the code's own enums
 * (test/utils/raw-enums.ts). Role names are left out here: the demo's usernames are the role names.
 */
describeEachEngine('raw enum values on pages', (ctx) => {
  let app: Express;
  before(async () => {
    app = await createTestApp(ctx.db);
  });

  it('shows every enum value in words on the dashboard, workspace, findings, evidence, platform and catalogue pages', async function () {
    this.timeout(120_000);
    const officer = await signIn(app, 'officer');
    const a = (await ctx.db.knex('assessments').where({ kind: 'formal_test' }).first()).id;
    const f = (await ctx.db.knex('findings').where({ assessment_id: a }).whereNot('high_risk_status', 'none').first()).id;
    const ev = (await ctx.db.knex('evidence').first()).id;
    const pl = (await ctx.db.knex('platforms').first()).id;
    const sys = (await ctx.db.knex('assessments').where({ id: a }).first()).system_id;
    const pages = ['/', `/assessments/${a}`, `/assessments/${a}/findings`, `/findings/${f}`, '/evidence', `/evidence/${ev}`, '/platforms', `/platforms/${pl}`, '/catalogue/L3-CES1-01',
      // Issue 14 §3: the system page, the systems list, the report archive (job states) and the audit trail (changes).
      `/systems/${sys}`, '/systems', `/assessments/${a}/reports`, '/audit'];
    const roles = new Set<string>(ORG_ROLES);
    const found: string[] = [];
    for (const lang of ['zh-CN', 'en'] as const) {
      for (const p of pages) {
        const res = await officer.get(p).set('Accept-Language', lang).set('Accept', 'text/html');
        expect(res.status, p).to.equal(200);
        const raw = rawEnumValues(visible(res.text), lang).filter((v) => !roles.has(v));
        if (raw.length) found.push(`${lang} ${p}: ${raw.join(', ')}`);
      }
    }
    expect(found).to.deep.equal([]);
  });

  it('shows membership roles in words on the admin page, and audit changes as fields (old → new), never raw JSON', async function () {
    this.timeout(120_000);
    const officer = await signIn(app, 'officer');
    for (const lang of ['zh-CN', 'en'] as const) {
      const admin = await signIn(app, 'admin');
      const html = (await admin.get('/admin').set('Accept-Language', lang).expect(200)).text;
      const members = [...html.matchAll(/<li data-member="[^"]*">([^<]*)/g)].map((m) => m[1]!.replace(/\s+/g, ' '));
      expect(members.length, 'members listed').to.be.greaterThan(0);
      for (const m of members) expect(m, lang).not.to.match(/— (officer|consultant|auditor)\b/);
      expect(html, lang).not.to.match(/<option value="officer">officer</);
      const audit = (await officer.get('/audit').set('Accept-Language', lang).expect(200)).text;
      expect(audit, lang).not.to.match(/\{&quot;|\{"/);
      expect(audit, lang).to.contain('→');
    }
  });
});
