import type { Knex } from 'knex';

// Indexes the paginated lists read in their sort order (keyset pagination, server/database/keyset.ts):
// one page is then an index range, not a sort of every row of the organisation.
const INDEXES: Array<[table: string, columns: string[], name: string]> = [
  ['systems', ['organization_id', 'updated_at', 'id'], 'systems_org_updated_idx'],
  ['systems', ['organization_id', 'name', 'id'], 'systems_org_name_idx'],
  ['assessments', ['organization_id', 'created_at', 'id'], 'assessments_org_created_idx'],
  ['assessments', ['system_id', 'created_at', 'id'], 'assessments_system_created_idx'],
  ['evidence', ['organization_id', 'created_at', 'id'], 'evidence_org_created_idx'],
  ['findings', ['assessment_id', 'number', 'id'], 'findings_assessment_number_idx'],
  ['assessment_results', ['assessment_id', 'value'], 'results_assessment_value_idx'],
];

export async function up(knex: Knex): Promise<void> {
  for (const [table, columns, name] of INDEXES) await knex.schema.alterTable(table, (t) => t.index(columns, name));
}

export async function down(knex: Knex): Promise<void> {
  for (const [table, columns, name] of [...INDEXES].reverse()) await knex.schema.alterTable(table, (t) => t.dropIndex(columns, name));
}
