#!/usr/bin/env node
// The `dengbao` CLI. From a source checkout it runs the TypeScript directly through tsx;
// from a built package (no server/ sources) it runs the compiled dist/.
import { existsSync } from 'node:fs';

const source = new URL('../server/cli.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../dist/server/cli.js', import.meta.url).href);
}
