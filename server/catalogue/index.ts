import type { Catalogue } from './catalogue.js';
import { controlsPart } from '../controls/registry.js';
import { loadCatalogue } from './load.js';

export { Catalogue } from './catalogue.js';
export type { CatalogueItem, HighRiskCase, ItemFilter } from './catalogue.js';
export { CatalogueError, loadCatalogue } from './load.js';

/** The catalogue of the controls package (CATALOGUE_DIR or the shipped controls/), parsed once per process. */
export const shippedCatalogue: () => Catalogue = controlsPart('catalogue', (dir) => loadCatalogue(dir));
