import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The project root: works from server/*.ts (tsx) and from dist/server/*.js. */
export function projectRoot(): string {
  let dir = import.meta.dirname;
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'dengbao') return dir;
    } catch {
      /* not here: go up */
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('package.json of dengbao not found');
    dir = parent;
  }
}

let cached: string | undefined;
export function packageVersion(): string {
  cached ??= (JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return cached;
}
