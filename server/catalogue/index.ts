import type { Catalogue } from './catalogue.js';
import { loadCatalogue } from './load.js';
import { readSnapshot } from './snapshot.js';

export { Catalogue } from './catalogue.js';
export type { CatalogueItem, HighRiskCase, ItemFilter } from './catalogue.js';
export { CatalogueError, loadCatalogue } from './load.js';

let shipped: Catalogue | undefined;
/** The catalogue shipped under controls/, parsed once per process (it is immutable). */
export function shippedCatalogue(): Catalogue {
  // The compiled server starts from the build's checked snapshot (see snapshot.ts).
  shipped ??= (import.meta.url.endsWith('.js') ? readSnapshot() : undefined) ?? loadCatalogue();
  return shipped;
}
