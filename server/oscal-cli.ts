import { readFileSync, writeFileSync } from 'node:fs';
import { compareWithCatalogue, readCatalog } from '../reports/oscal/catalog-import.js';
import { oscalValidator } from '../reports/oscal/schema-check.js';
import { parseArgs } from 'node:util';
import { buildCatalog } from '../reports/oscal/catalog.js';
import { buildProfile } from '../reports/oscal/profile.js';
import { shippedCatalogue } from './catalogue/index.js';
import { LEVELS, SETS, type RequirementSet } from './catalogue/schema.js';

/** `dengbao oscal export catalog|profile`: the same documents as GET /api/v1/oscal/catalog and /profile. */
export async function oscalCommand(args: string[], usage: (message: string) => number): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { level: { type: 'string' }, sets: { type: 'string' }, out: { type: 'string' } } });
  const [verb, model] = positionals;
  if (verb === 'import') return importCatalog(model, usage);
  if (verb !== 'export' || (model !== 'catalog' && model !== 'profile')) return usage('Usage: dengbao oscal export catalog|profile --level 2|3|4 [--sets general,cloud] [--out <file>]');
  const level = Number(values.level);
  if (!(LEVELS as readonly number[]).includes(level)) return usage(`--level must be one of ${LEVELS.join(', ')}`);
  const asked = values.sets?.split(',').map((s) => s.trim()).filter(Boolean) ?? [...SETS];
  const unknown = asked.filter((s) => !(SETS as readonly string[]).includes(s));
  if (unknown.length) return usage(`--sets: unknown requirement set(s) ${unknown.join(', ')}; one of ${SETS.join(', ')}`);
  const catalogue = shippedCatalogue();
  const sets = SETS.filter((s) => asked.includes(s) && catalogue.query({ level, set: s }).length) as RequirementSet[];
  if (!sets.length) return usage(`--sets: no requirement set of level ${level} selected`);
  const doc = model === 'catalog' ? buildCatalog(catalogue, { level, sets }, new Date()) : buildProfile(catalogue, { level, sets }, new Date(), '/api/v1/oscal/catalog');
  const json = `${JSON.stringify(doc, null, 2)}\n`;
  if (values.out) {
    writeFileSync(values.out, json);
    console.error(`OSCAL ${model} of level ${level} (${sets.join(', ')}) written to ${values.out}`);
  } else {
    // Wait for the pipe to drain: process.exit() would cut a large export short.
    await new Promise<void>((resolve, reject) => process.stdout.write(json, (err) => (err ? reject(err) : resolve())));
  }
  return 0;
}

/**
 * `dengbao oscal import <catalog.json>`: what POST /api/v1/oscal/import?dryRun=1 answers — the
 * schema errors (exit 1), or every difference from the catalogue (exit 1 when any). Writes nothing.
 */
async function importCatalog(file: string | undefined, usage: (message: string) => number): Promise<number> {
  if (!file) return usage('Usage: dengbao oscal import <catalog.json>');
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    console.error(`${file}: ${(err as Error).message}`);
    return 1;
  }
  if (!doc || typeof doc !== 'object' || !('catalog' in doc)) {
    console.error(`${file}: not an OSCAL catalog ({"catalog": {…}})`);
    return 1;
  }
  const errors = oscalValidator('catalog').validate(doc, 50);
  if (errors.length) {
    console.error(`${file} fails the OSCAL catalog schema:\n  ${errors.map((e) => `${e.path}: ${e.message}`).join('\n  ')}`);
    return 1;
  }
  const read = readCatalog(doc as Record<string, unknown>);
  const differences = compareWithCatalogue(shippedCatalogue(), read);
  for (const d of differences) console.log(`${d.kind} ${d.code} ${d.field}`);
  console.error(`${read.units.length} units read; ${differences.length} difference(s) from the catalogue`);
  return differences.length ? 1 : 0;
}
