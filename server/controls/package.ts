import { shippedCatalogue, type Catalogue } from '../catalogue/index.js';
import { shippedTriggers } from '../catalogue/triggers.js';
import { conclusionSchemes } from '../assessments/schemes.js';
import { productCatalogue } from '../cloud/products.js';
import { deadlineRules } from '../systems/deadline-rules.js';
import { filingRules } from '../systems/filing-rules.js';
import { gradingData } from '../systems/grading-matrix.js';
import { verificationTables } from '../verification/tables.js';
import { useControlsDir } from './registry.js';
import { releaseSnapshotYaml } from '../catalogue/snapshot.js';

/**
 * Reads every part of the controls package from `dir` (CATALOGUE_DIR; undefined: the shipped
 * controls/) at start-up, so a broken file stops the server before it serves instead of failing
 * the first request that needs it. Throws CatalogueError naming the file and field.
 */
export function loadControlsPackage(dir: string | undefined): Catalogue {
  useControlsDir(dir);
  const catalogue = shippedCatalogue();
  shippedTriggers();
  productCatalogue(catalogue);
  conclusionSchemes();
  gradingData();
  deadlineRules();
  filingRules();
  verificationTables();
  releaseSnapshotYaml();
  return catalogue;
}
