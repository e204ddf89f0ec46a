import { expect } from 'chai';
import { migrateLatest, migrateRollbackAll, migrationStatus } from '../../server/database/index.js';
import { describeEachEngine } from '../utils/each-engine.js';

const TABLES = ['assessment_summaries', 'organization_versions', 'organizations', 'users', 'memberships', 'sessions', 'api_tokens', 'catalogue_versions', 'catalogue_items', 'high_risk_cases', 'high_risk_case_units',
  'evidence_blobs', 'evidence', 'evidence_tags', 'evidence_versions', 'evidence_links', 'evidence_events', 'evidence_requests',
  'systems', 'gradings', 'filings', 'system_transitions', 'inspections',
  'assessed_objects', 'assessments', 'assessment_results', 'findings', 'remediations',
  'platforms', 'platform_responsibilities', 'deployed_products', 'reports', 'hazards', 'hazard_findings',
  'password_history', 'recovery_codes', 'login_throttle', 'workbook_uploads',
  'report_templates', 'report_template_versions', 'system_documents', 'protection_plans', 'assessment_extra_items',
  'scans', 'scan_vulnerabilities', 'pentest_cases', 'compensations', 'imported_products', 'imported_product_units'];

describeEachEngine(
  'migrations',
  (ctx) => {
    it('apply on an empty database, roll back completely, and apply again', async () => {
      const knex = ctx.db.knex;
      const applied = await migrateLatest(knex);
      expect(applied).to.deep.equal(['20261126A-tenancy', '20261126B-catalogue', '20261126C-evidence', '20261126D-systems', '20261126E-assessments', '20261126F-cloud', '20261126G-reports', '20261130A-outside-mapping', '20261130B-hazards', '20261130D-identity', '20261130E-separation-audit', '20261130F-workbook-uploads', '20261130G-extension-objects', '20261130H-docx', '20261130J-verification', '20261130K-filing-2025', '20261130L-finding-numbers', '20261201P-list-indexes', '20261201R-assessment-summaries', '20261201S-organization-versions', '20261202A-artefact-jobs', '20261202B-imported-products', '20261203A-import-results', '20261203B-system-list-indexes']);
      for (const t of TABLES) expect(await knex.schema.hasTable(t), t).to.equal(true);
      expect((await migrationStatus(knex)).pending).to.deep.equal([]);

      const rolled = await migrateRollbackAll(knex);
      expect(rolled).to.have.members(applied);
      for (const t of TABLES) expect(await knex.schema.hasTable(t), t).to.equal(false);

      expect(await migrateLatest(knex)).to.deep.equal(applied);
      expect(await migrateLatest(knex), 'idempotent').to.deep.equal([]);
    });
  },
  { migrate: false },
);
