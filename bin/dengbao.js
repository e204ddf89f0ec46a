#!/usr/bin/env node
// The `dengbao` CLI. It runs the compiled dist/ when that is a build of the current sources (or
// when there are no sources: an installed package); from a source checkout with no fresh build
// it runs the TypeScript directly through tsx (slower to start: `npm run build` or `npm start`
// compile once).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildState } from '../scripts/build-state.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const source = new URL('../server/cli.ts', import.meta.url);
const compiled = new URL('../dist/server/cli.js', import.meta.url);
if (existsSync(compiled) && (!existsSync(source) || process.env.DENGBAO_TSX !== '1' && buildState(root).fresh)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
}
