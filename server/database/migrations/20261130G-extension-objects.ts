import type { Knex } from 'knex';
import { OBJECT_CATEGORIES_NO_SYSTEM } from './20261126E-assessments.js';

/**
 * Assessed objects of the mobile internet, IoT and industrial-control extension sets (wireless access
 * points, mobile terminals and apps, MDM, sensor and gateway nodes, field and control devices): widens
 * the category check of assessed_objects. Existing rows keep their categories (all still allowed).
 */
// A fixed list (not the catalogue's), so the migration does the same thing whenever it runs.
export const EXTENSION_OBJECT_CATEGORIES = [
  'wireless_access_point', 'mobile_terminal', 'mobile_app', 'mdm', 'sensor_node', 'gateway_node', 'field_device', 'control_device',
] as const;

async function setCategories(knex: Knex, categories: readonly string[]): Promise<void> {
  if (knex.client.config.client === 'pg') {
    // knex's enum .alter() emits invalid SQL on PostgreSQL: replace the check constraint knex created.
    // DDL takes no bind parameters; the categories are this file's own snake_case constants.
    const list = categories.map((c) => `'${c.replace(/[^a-z_]/g, '')}'`).join(', ');
    await knex.raw('alter table assessed_objects drop constraint if exists assessed_objects_category_check');
    await knex.raw(`alter table assessed_objects add constraint assessed_objects_category_check check (category in (${list}))`);
  } else {
    // SQLite cannot change a check constraint (and knex's .alter() keeps the old one): rebuild the table from
    // its own CREATE statement with the new list, copy the rows, recreate its indexes. No table references it.
    const list = categories.map((c) => `'${c.replace(/[^a-z_]/g, '')}'`).join(', ');
    const schema: Array<{ type: string; name: string; sql: string | null }> = await knex('sqlite_master').where({ tbl_name: 'assessed_objects' }).select('type', 'name', 'sql');
    const table = schema.find((x) => x.type === 'table')!.sql!;
    const created = table
      .replace(/^create table [`"']?assessed_objects[`"']?/i, 'create table `assessed_objects_new`')
      .replace(/(check\s*\(\s*[`"']?category[`"']?\s+in\s*\()[^)]*\)/i, `$1${list})`);
    if (created === table || !created.includes(list)) throw new Error('assessed_objects: could not rewrite the category check');
    await knex.raw(created);
    await knex.raw('insert into `assessed_objects_new` select * from `assessed_objects`');
    await knex.raw('drop table `assessed_objects`');
    await knex.raw('alter table `assessed_objects_new` rename to `assessed_objects`');
    for (const index of schema.filter((x) => x.type === 'index' && x.sql)) await knex.raw(index.sql!);
  }
}

export async function up(knex: Knex): Promise<void> {
  await setCategories(knex, [...OBJECT_CATEGORIES_NO_SYSTEM, ...EXTENSION_OBJECT_CATEGORIES]);
}

export async function down(knex: Knex): Promise<void> {
  await knex('assessed_objects').whereNotIn('category', [...OBJECT_CATEGORIES_NO_SYSTEM]).update({ category: 'other_device' });
  await setCategories(knex, OBJECT_CATEGORIES_NO_SYSTEM);
}
