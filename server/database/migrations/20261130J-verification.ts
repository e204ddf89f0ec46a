import type { Knex } from 'knex';

/**
 * Verification tests (chapter 4, appendices E and F), the overall assessment's compensations
 * (chapter 6) and the risk analysis of findings (chapter 7, appendix I). Adds tables, and nullable
 * columns to findings: every existing row is kept as it is.
 */
export async function up(knex: Knex): Promise<void> {
  // One imported scanner file. The same file (same hash) is imported once per assessment.
  await knex.schema.createTable('scans', (t) => {
    t.uuid('id').primary();
    t.uuid('assessment_id').notNullable().references('assessments.id').onDelete('CASCADE');
    t.uuid('organization_id').notNullable().references('organizations.id');
    t.integer('seq').notNullable();
    t.string('number', 8).notNullable(); // S01…, never renumbered
    t.string('format', 16).notNullable(); // nessus | openvas | csv
    t.string('scanner', 100).notNullable();
    t.string('scanner_version', 100);
    t.string('scanned_at', 40);
    t.string('file_name', 255).notNullable();
    t.string('file_hash', 64).notNullable();
    t.uuid('evidence_id').references('evidence.id');
    t.integer('informational').notNullable().defaultTo(0);
    t.text('hosts').notNullable(); // JSON [{ host, hostname, objectId }]
    t.uuid('created_by').notNullable().references('users.id');
    t.string('created_at', 32).notNullable();
    t.unique(['assessment_id', 'file_hash']);
    t.unique(['assessment_id', 'seq']);
  });
  await knex.schema.createTable('scan_vulnerabilities', (t) => {
    t.uuid('id').primary();
    t.uuid('scan_id').notNullable().references('scans.id').onDelete('CASCADE');
    t.uuid('assessment_id').notNullable();
    t.uuid('organization_id').notNullable();
    t.integer('seq').notNullable();
    t.string('host', 255);
    t.string('hostname', 255);
    t.uuid('object_id').references('assessed_objects.id').onDelete('SET NULL');
    t.string('port', 32);
    t.string('protocol', 16);
    t.string('plugin_id', 100);
    t.text('cves').notNullable(); // JSON ["CVE-…"]
    t.string('level', 10).notNullable(); // scanner level: critical | high | medium | low
    t.enu('risk', ['high', 'medium', 'low']).notNullable();
    t.string('severity_raw', 100);
    t.string('title', 500).notNullable();
    t.text('solution');
    t.string('scanned_at', 40);
    t.uuid('finding_id').references('findings.id').onDelete('SET NULL');
    t.index(['assessment_id']);
    t.index(['finding_id']);
  });
  // 渗透测试用例 (appendix F); screenshots are evidence linked with target type pentest_case.
  await knex.schema.createTable('pentest_cases', (t) => {
    t.uuid('id').primary();
    t.uuid('assessment_id').notNullable().references('assessments.id').onDelete('CASCADE');
    t.uuid('organization_id').notNullable().references('organizations.id');
    t.integer('seq').notNullable();
    t.string('number', 8).notNullable(); // P01…, never renumbered
    t.uuid('object_id').references('assessed_objects.id').onDelete('SET NULL');
    t.string('target', 300).notNullable();
    t.string('entry_point', 500);
    t.string('method', 500).notNullable();
    t.text('steps');
    t.text('result').notNullable();
    t.enu('risk', ['high', 'medium', 'low', 'none']).notNullable(); // none: nothing found
    t.string('tested_at', 40);
    t.uuid('finding_id').references('findings.id').onDelete('SET NULL');
    t.integer('row_version').notNullable().defaultTo(1);
    t.uuid('created_by').notNullable().references('users.id');
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    t.unique(['assessment_id', 'seq']);
  });
  // 整体测评: compensation between control points, layers and areas.
  await knex.schema.createTable('compensations', (t) => {
    t.uuid('id').primary();
    t.uuid('assessment_id').notNullable().references('assessments.id').onDelete('CASCADE');
    t.uuid('organization_id').notNullable().references('organizations.id');
    t.integer('seq').notNullable();
    t.string('number', 8).notNullable(); // C01…
    t.enu('kind', ['control_point', 'layer', 'area']).notNullable();
    t.text('measure').notNullable();
    t.text('reasoning').notNullable();
    t.text('effects').notNullable(); // JSON [{ unit, before, after }]
    t.integer('row_version').notNullable().defaultTo(1);
    t.uuid('created_by').notNullable().references('users.id');
    t.string('created_at', 32).notNullable();
    t.string('updated_at', 32).notNullable();
    t.unique(['assessment_id', 'seq']);
  });
  await knex.schema.alterTable('findings', (t) => {
    // Risk analysis: threat classes (JSON [TH-xx]), likelihood × impact through the matrix, override.
    t.text('threat_codes');
    t.integer('likelihood');
    t.integer('impact');
    t.text('risk_override_reason');
    // A compensation (C01…) that set this finding's mitigation. No foreign key on purpose: on SQLite
    // knex adds one by rebuilding the table, and dropping the old findings table would cascade to
    // remediations. CompensationsService clears it when a compensation is removed.
    t.uuid('compensation_id');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('findings', (t) => {
    t.dropColumn('compensation_id');
    t.dropColumn('risk_override_reason');
    t.dropColumn('impact');
    t.dropColumn('likelihood');
    t.dropColumn('threat_codes');
  });
  for (const t of ['compensations', 'pentest_cases', 'scan_vulnerabilities', 'scans']) await knex.schema.dropTable(t);
}
