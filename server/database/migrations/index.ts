import type { Knex } from 'knex';
import * as tenancy from './20261126A-tenancy.js';
import * as catalogue from './20261126B-catalogue.js';
import * as evidence from './20261126C-evidence.js';
import * as systems from './20261126D-systems.js';
import * as assessments from './20261126E-assessments.js';
import * as cloud from './20261126F-cloud.js';
import * as reports from './20261126G-reports.js';
import * as outsideMapping from './20261130A-outside-mapping.js';
import * as hazards from './20261130B-hazards.js';
import * as identity from './20261130D-identity.js';
import * as assessmentSummaries from './20261201R-assessment-summaries.js';
import * as organizationVersions from './20261201S-organization-versions.js';
import * as importedProducts from './20261202B-imported-products.js';
import * as importResults from './20261203A-import-results.js';
import * as systemListIndexes from './20261203B-system-list-indexes.js';
import * as artefactJobs from './20261202A-artefact-jobs.js';
import * as separationAudit from './20261130E-separation-audit.js';
import * as workbookUploads from './20261130F-workbook-uploads.js';
import * as extensionObjects from './20261130G-extension-objects.js';
import * as docx from './20261130H-docx.js';
import * as filing2025 from './20261130K-filing-2025.js';
import * as verification from './20261130J-verification.js';
import * as findingNumbers from './20261130L-finding-numbers.js';
import * as listIndexes from './20261201P-list-indexes.js';

/**
 * Static list of migrations: knex never scans a directory, so the same code runs from tsx
 * (server/*.ts) and from the compiled dist/ (*.js). Add each new migration here, in order.
 */
const migrations: Record<string, Knex.Migration> = {
  '20261126A-tenancy': tenancy,
  '20261126B-catalogue': catalogue,
  '20261126C-evidence': evidence,
  '20261126D-systems': systems,
  '20261126E-assessments': assessments,
  '20261126F-cloud': cloud,
  '20261126G-reports': reports,
  '20261130A-outside-mapping': outsideMapping,
  '20261130B-hazards': hazards,
  '20261130D-identity': identity,
  '20261130E-separation-audit': separationAudit,
  '20261130F-workbook-uploads': workbookUploads,
  '20261130G-extension-objects': extensionObjects,
  '20261130H-docx': docx,
  '20261130K-filing-2025': filing2025,
  '20261130J-verification': verification,
  '20261130L-finding-numbers': findingNumbers,
  '20261201P-list-indexes': listIndexes,
  '20261201R-assessment-summaries': assessmentSummaries,
  '20261201S-organization-versions': organizationVersions,
  '20261202A-artefact-jobs': artefactJobs,
  '20261202B-imported-products': importedProducts,
  '20261203A-import-results': importResults,
  '20261203B-system-list-indexes': systemListIndexes,
};

export const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    return Object.keys(migrations).sort();
  },
  getMigrationName(name) {
    return name;
  },
  async getMigration(name) {
    const m = migrations[name];
    if (!m) throw new Error(`Unknown migration ${name}`);
    return m;
  },
};
