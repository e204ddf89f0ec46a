import type { Knex } from 'knex';

// The systems list of a user in several organisations (the scope is `organization_id in (…)`)
// sorted by name or by last change: the per-organisation indexes of 20261201P give one ordered
// range per organisation, so both engines sorted every live system of all of them for each page
// (4 ms for 10,000 systems on either engine), and the count read every row. An index in the sort's
// order over the live systems makes a page the first 101 matching entries, the organisation
// filtered in the index; the count of live systems per organisation reads an index only.
// The planners differ: SQLite (no statistics) takes `archived_at is null` as an equality leading
// an ordered index; PostgreSQL does not, and takes a partial index over the live systems instead.
const ORDERED: Array<[columns: string[], name: string]> = [
  [['name', 'id', 'organization_id'], 'systems_live_name_idx'],
  [['updated_at', 'id', 'organization_id'], 'systems_live_updated_idx'],
];

export async function up(knex: Knex): Promise<void> {
  const postgres = knex.client.config.client === 'pg';
  for (const [columns, name] of ORDERED) {
    await knex.schema.alterTable('systems', (t) =>
      postgres ? t.index(columns, name, { predicate: knex.whereNull('archived_at') }) : t.index(['archived_at', ...columns], name),
    );
  }
  await knex.schema.alterTable('systems', (t) => t.index(['organization_id', 'archived_at'], 'systems_org_live_idx'));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('systems', (t) => t.dropIndex(['organization_id', 'archived_at'], 'systems_org_live_idx'));
  for (const [columns, name] of [...ORDERED].reverse()) await knex.schema.alterTable('systems', (t) => t.dropIndex(columns, name));
}
