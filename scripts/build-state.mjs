// Whether dist/ holds a build of the current sources: the build stamp is newer than every file
// the compiled server is made from (TypeScript, JSON, the catalogue YAML its snapshot comes from).
// A stat of a few hundred files: milliseconds, so the CLI can check it at every start.
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const SOURCE_DIRS = ['server', 'reports', 'fixtures', 'controls'];
export const SOURCE_FILES = ['tsconfig.json', 'tsconfig.build.json', 'package.json'];
export const stampFile = (root) => path.join(root, 'dist', '.build-stamp');

function newest(p) {
  let st;
  try {
    st = statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs; // a deleted file changes its directory's mtime
  for (const name of readdirSync(p)) max = Math.max(max, newest(path.join(p, name)));
  return max;
}

/** { fresh, stamp, sources }: fresh when dist/ was built after the newest source change. */
export function buildState(root) {
  let stamp = 0;
  try {
    stamp = statSync(stampFile(root)).mtimeMs;
  } catch {
    /* never built */
  }
  const sources = Math.max(...SOURCE_DIRS.map((d) => newest(path.join(root, d))), ...SOURCE_FILES.map((f) => newest(path.join(root, f))));
  return { fresh: stamp > 0 && stamp >= sources, stamp, sources };
}
