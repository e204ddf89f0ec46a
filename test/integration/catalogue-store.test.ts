import { expect } from 'chai';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadCatalogue, shippedCatalogue } from '../../server/catalogue/index.js';
import { upsertCatalogue } from '../../server/catalogue/store.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { ROOT } from '../utils/process.js';

describeEachEngine('catalogue store', (ctx) => {
  it('stores a version once, with every item and high-risk link', async () => {
    const cat = shippedCatalogue();
    const first = await upsertCatalogue(ctx.db.knex, cat);
    expect(first.created).to.equal(true);
    expect(first.itemCount).to.equal(858);
    const again = await upsertCatalogue(ctx.db.knex, cat);
    expect(again).to.deep.include({ id: first.id, created: false });
    expect(await ctx.db.knex('catalogue_versions').count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 1);
    const row = await ctx.db.knex('catalogue_items').where({ catalogue_version_id: first.id, code: 'L3-CES1-01' }).first();
    expect(JSON.parse(row.data).text.zh).to.equal(cat.byCode.get('L3-CES1-01')!.text.zh);
    const links = await ctx.db.knex('high_risk_case_units').where({ catalogue_version_id: first.id, case_id: '6.4.1.1' }).pluck('code');
    expect(links).to.include.members(['L3-CES1-01', 'L4-CES1-01']);
  });

  it('stores an edited catalogue as a new version and keeps the old one unchanged', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dengbao-controls-'));
    try {
      cpSync(path.join(ROOT, 'controls'), dir, { recursive: true });
      const f = path.join(dir, 'gbt22239-2019/level3/general/PES.yaml');
      const original = shippedCatalogue().byCode.get('L3-PES1-01')!.text.zh;
      writeFileSync(f, readFileSync(f, 'utf8').replace(original.replace(/。$/, ''), '机房场地应选择在安全的建筑内'));
      const edited = loadCatalogue(dir);
      const old = await upsertCatalogue(ctx.db.knex, shippedCatalogue());
      const next = await upsertCatalogue(ctx.db.knex, edited);
      expect(next.created).to.equal(true);
      expect(next.id).not.to.equal(old.id);
      const oldRow = await ctx.db.knex('catalogue_items').where({ catalogue_version_id: old.id, code: 'L3-PES1-01' }).first();
      const newRow = await ctx.db.knex('catalogue_items').where({ catalogue_version_id: next.id, code: 'L3-PES1-01' }).first();
      expect(JSON.parse(oldRow.data).text.zh).to.equal(original);
      expect(JSON.parse(newRow.data).text.zh).to.contain('安全的建筑内');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
