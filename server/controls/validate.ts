import { existsSync } from 'node:fs';
import path from 'node:path';
import { CatalogueError } from '../catalogue/load.js';
import { loadMajorRiskTriggers } from '../catalogue/triggers.js';
import { validateCatalogue, type ValidationReport } from '../catalogue/validate.js';
import { loadConclusionSchemes } from '../assessments/schemes.js';
import { loadProducts } from '../cloud/products.js';
import { loadDeadlineRules } from '../systems/deadline-rules.js';
import { loadFilingRules } from '../systems/filing-rules.js';
import { loadGradingData } from '../systems/grading-matrix.js';
import { loadVerificationTables } from '../verification/tables.js';
import { controlsDir } from './registry.js';

/**
 * Everything `dengbao catalogue validate` checks, over the whole controls package: the catalogue
 * (schema, codes, clauses, counts per control point, high-risk cases resolving to units), then
 * every other part against it — products and major-risk triggers must name units the catalogue
 * holds; schemes, the grading matrix, deadline and filing rules and the verification tables must
 * match their schemas. Every problem is listed, not just the first.
 */
export function validateControls(dir: string = controlsDir()): ValidationReport {
  const report = validateCatalogue(dir);
  const catalogue = report.catalogue;
  if (!catalogue) return report;
  const problems = [...report.problems];
  const check = (fn: () => unknown, prefix = '') => {
    try {
      fn();
    } catch (err) {
      if (err instanceof CatalogueError) problems.push(...err.problems.map((p) => prefix + p));
      else problems.push(...(err as Error).message.split('\n').slice(1).map((l) => prefix + l.trim()));
    }
  };
  if (existsSync(path.join(dir, 'products', 'categories.yaml'))) check(() => loadProducts(catalogue, path.join(dir, 'products')), 'products/');
  if (existsSync(path.join(dir, 'major-risk-triggers.yaml'))) check(() => loadMajorRiskTriggers(catalogue, dir));
  check(() => loadConclusionSchemes(dir));
  check(() => loadGradingData(dir));
  check(() => loadDeadlineRules(dir));
  check(() => loadFilingRules(dir));
  check(() => loadVerificationTables(dir));
  return { ok: problems.length === 0, problems, catalogue };
}
