import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * A CommonJS package loaded at its first use instead of when the server starts: exceljs, pdf-lib
 * and docxtemplater are ~600 files that took 1–3 s of a start on a loaded 2-core machine, for
 * work (exports, imports, reports) that no request before the first one needs.
 */
export function lazy<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(id) as T);
}
