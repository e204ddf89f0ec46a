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
    const pages = ['/', `/assessments/${a}`, `/assessments/${a}/findings`, `/findings/${f}`, '/evidence', `/evidence/${ev}`, '/platforms', `/platforms/${pl}`, '/catalogue/L3-CES1-01'];
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
});
