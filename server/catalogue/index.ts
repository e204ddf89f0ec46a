import type { Catalogue } from './catalogue.js';
import { controlsPart } from '../controls/registry.js';
import { loadCatalogue } from './load.js';
import { readSnapshot } from './snapshot.js';

export { Catalogue } from './catalogue.js';
export type { CatalogueItem, HighRiskCase, ItemFilter } from './catalogue.js';
export { CatalogueError, loadCatalogue } from './load.js';

/**
 * The catalogue of the controls package (CATALOGUE_DIR or the shipped controls/), parsed once per
 * process; the compiled server starts from the build's checked snapshot when it matches the
 * directory's files (see snapshot.ts).
 */
export const shippedCatalogue: () => Catalogue = controlsPart('catalogue', (dir) => (import.meta.url.endsWith('.js') ? readSnapshot(dir) : undefined) ?? loadCatalogue(dir));
