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

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('assessed_objects', (t) => {
    t.enu('category', [...OBJECT_CATEGORIES_NO_SYSTEM, ...EXTENSION_OBJECT_CATEGORIES]).notNullable().alter();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex('assessed_objects').whereNotIn('category', [...OBJECT_CATEGORIES_NO_SYSTEM]).update({ category: 'other_device' });
  await knex.schema.alterTable('assessed_objects', (t) => {
    t.enu('category', [...OBJECT_CATEGORIES_NO_SYSTEM]).notNullable().alter();
  });
}
