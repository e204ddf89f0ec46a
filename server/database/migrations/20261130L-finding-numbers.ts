import type { Knex } from 'knex';

/**
 * Stable finding numbers (T001…): a number is given once, when the finding is created, and kept.
 * Each assessment counts the numbers it has given (`finding_counter`), so a deleted finding's
 * number is never given again. Existing findings keep the numbers people have already seen; the
 * counter starts at the highest of them. (assessment_id, number) becomes unique.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('assessments', (t) => {
    t.integer('finding_counter').notNullable().defaultTo(0); // highest T-number ever given in this assessment
  });
  const rows: Array<{ assessment_id: string; number: string }> = await knex('findings').select('assessment_id', 'number');
  const highest = new Map<string, number>();
  for (const r of rows) {
    const n = Number(/^T(\d+)$/.exec(r.number)?.[1] ?? 0);
    highest.set(r.assessment_id, Math.max(highest.get(r.assessment_id) ?? 0, n));
  }
  for (const [id, n] of highest) await knex('assessments').where({ id }).update({ finding_counter: n });
  await knex.schema.alterTable('findings', (t) => {
    t.unique(['assessment_id', 'number']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('findings', (t) => {
    t.dropUnique(['assessment_id', 'number']);
  });
  await knex.schema.alterTable('assessments', (t) => {
    t.dropColumn('finding_counter');
  });
}
