import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { CatalogueError } from '../catalogue/load.js';
import { snapshotYaml } from '../catalogue/snapshot.js';

/**
 * Reads one YAML file of a controls directory and checks it against its schema; a problem is a
 * CatalogueError naming the file and the field, like the catalogue's own, so `catalogue validate`
 * and start-up report every part of the package the same way.
 */
export function parseControlsYaml<S extends z.ZodType>(dir: string, file: string, schema: S): z.output<S> {
  let data: unknown;
  try {
    data = snapshotYaml(path.join(dir, file))?.data ?? parseYaml(readFileSync(path.join(dir, file), 'utf8'));
  } catch (err) {
    throw new CatalogueError([`${file}: not readable YAML: ${(err as Error).message.split('\n')[0]}`]);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    throw new CatalogueError(
      parsed.error.issues.slice(0, 20).map((i) => `${file}: field ${(i.code === 'unrecognized_keys' ? [...i.path, ...i.keys] : i.path).join('.') || '(root)'}: ${i.message}`),
    );
  }
  return parsed.data;
}
