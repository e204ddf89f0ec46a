import { expect } from 'chai';
import { migrateDown, migrateLatest, migrationStatus } from '../../server/database/index.js';
import { newId, now } from '../../server/util.js';
import { describeEachEngine } from '../utils/each-engine.js';

/** Inserts an organisation, a system and one assessed object of a category; returns the object id. */
async function object(knex: import('knex').Knex, category: string, name: string, org?: string, system?: string) {
  const orgId = org ?? newId();
  const systemId = system ?? newId();
  const userId = newId();
  if (!org) {
    await knex('organizations').insert({ id: orgId, name: `Org ${name}`, created_at: now(), updated_at: now() });
    await knex('users').insert({ id: userId, username: `u-${userId.slice(0, 8)}`, display_name: 'U', password_hash: 'x', password_changed_at: now(), created_at: now(), updated_at: now() });
  }
  if (!system) await knex('systems').insert({ id: systemId, organization_id: orgId, name: `System ${name}`, deployment: 'on_premises', status: 'grading', created_by: userId, created_at: now(), updated_at: now() });
  const id = newId();
  await knex('assessed_objects').insert({ id, organization_id: orgId, system_id: systemId, category, name, importance: 'key', created_at: now(), updated_at: now() });
  return { id, orgId, systemId };
}

describeEachEngine('migration 20261130G-extension-objects', (ctx) => {
  it('keeps existing assessed objects and accepts the extension categories, nothing else', async () => {
    const knex = ctx.db.knex;
    // Before the migration: an existing object, and the extension categories are refused.
    // Roll back this migration and every later one (SQLite rebuilds tables to drop columns: foreign keys off meanwhile).
    if (ctx.engine === 'sqlite') await knex.raw('PRAGMA foreign_keys = OFF');
    while ((await migrationStatus(knex)).completed.includes('20261130G-extension-objects')) await migrateDown(knex);
    if (ctx.engine === 'sqlite') await knex.raw('PRAGMA foreign_keys = ON');
    const old = await object(knex, 'server_storage', 'DB-SRV-01');
    let refused = false;
    await object(knex, 'sensor_node', 'TEMP-01', old.orgId, old.systemId).catch(() => (refused = true));
    expect(refused, 'sensor_node before the migration').to.equal(true);

    expect((await migrateLatest(knex))[0]).to.equal('20261130G-extension-objects');
    const kept = await knex('assessed_objects').where({ id: old.id }).first();
    expect(kept).to.include({ category: 'server_storage', name: 'DB-SRV-01', system_id: old.systemId });
    for (const c of ['wireless_access_point', 'mobile_terminal', 'mobile_app', 'mdm', 'sensor_node', 'gateway_node', 'field_device', 'control_device']) {
      await object(knex, c, `obj-${c}`, old.orgId, old.systemId);
    }
    expect(await knex('assessed_objects').where({ system_id: old.systemId }).count({ n: '*' }).first()).to.satisfy((r: { n: unknown }) => Number(r.n) === 9);
    refused = false;
    await object(knex, 'spaceship', 'X-1', old.orgId, old.systemId).catch(() => (refused = true));
    expect(refused, 'unknown category').to.equal(true);
    // The unique (system, name) constraint survived the table rebuild on SQLite.
    refused = false;
    await object(knex, 'server_storage', 'DB-SRV-01', old.orgId, old.systemId).catch(() => (refused = true));
    expect(refused, 'duplicate name').to.equal(true);
  });
});
