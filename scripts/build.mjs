#!/usr/bin/env node
// `npm run build` / `npm start`: compiles the server with tsc into dist/ (tsconfig.build.json) and
// writes the catalogue snapshot, then stamps the build. With --if-stale it does nothing when dist/
// is newer than every source, so `npm start` compiles once and then starts in a second.
// Built into a temporary directory and swapped in, so a server running from dist/ never sees a
// half-written build.
import { execFileSync } from 'node:child_process';
import { existsSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { buildState } from './build-state.mjs';

const root = path.resolve(import.meta.dirname, '..');
const ifStale = process.argv.includes('--if-stale');
if (ifStale && buildState(root).fresh) process.exit(0);

const started = Date.now();
const tmp = path.join(root, `dist.building-${process.pid}`);
const old = path.join(root, `dist.old-${process.pid}`);
const dist = path.join(root, 'dist');
rmSync(tmp, { recursive: true, force: true });
let tsc;
try {
  tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
} catch {
  console.error('dengbao: cannot build: TypeScript is not installed (npm install --include=dev)');
  process.exit(1);
}
try {
  if (!ifStale || process.stdout.isTTY) console.error('dengbao: compiling the server into dist/ …');
  execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', tmp, '--sourceMap', 'false'], { stdio: 'inherit', cwd: root });
  // The snapshot is written by the compiled loader itself (same code that will read it).
  execFileSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(path.join(tmp, 'server', 'catalogue', 'snapshot.js'))}); m.writeSnapshot(${JSON.stringify(path.join(tmp, 'catalogue-snapshot.json'))});`], { stdio: 'inherit', cwd: root });
  // Stamped with the build's start: a source saved while tsc ran makes the next start rebuild.
  const stamp = path.join(tmp, '.build-stamp');
  writeFileSync(stamp, new Date(started).toISOString() + '\n');
  utimesSync(stamp, new Date(started), new Date(started));
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(tmp, dist);
  rmSync(old, { recursive: true, force: true });
  if (!ifStale || process.stdout.isTTY) console.error(`dengbao: built dist/ in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (err) {
  rmSync(tmp, { recursive: true, force: true });
  console.error(`dengbao: build failed: ${err.message}`);
  process.exit(1);
}
