import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { buildCatalog } from '../reports/oscal/catalog.js';
import { buildProfile } from '../reports/oscal/profile.js';
import { shippedCatalogue } from './catalogue/index.js';
import { LEVELS, SETS, type RequirementSet } from './catalogue/schema.js';

/** `dengbao oscal export catalog|profile`: the same documents as GET /api/v1/oscal/catalog and /profile. */
export async function oscalCommand(args: string[], usage: (message: string) => number): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { level: { type: 'string' }, sets: { type: 'string' }, out: { type: 'string' } } });
  const [verb, model] = positionals;
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
