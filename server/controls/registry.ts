import path from 'node:path';
import { projectRoot } from '../version.js';

/**
 * One loader for everything under controls/ (catalogue, high-risk cases, triggers, products,
 * schemes, grading matrix, deadline and filing rules, verification tables). Each module declares
 * its part with `controlsPart`; every part is read once per process from the same directory
 * (CATALOGUE_DIR, else the controls/ shipped with the app), and `useControlsDir` switches all of
 * them together. This file imports no domain module, so any module can declare a part without a
 * cycle; `validateControls` (server/controls/validate.ts) checks the whole package.
 */

let current: string | undefined;
const values = new Map<string, unknown>();

/** The controls directory every part is read from. */
export function controlsDir(): string {
  current ??= process.env.CATALOGUE_DIR ? path.resolve(process.env.CATALOGUE_DIR) : path.join(projectRoot(), 'controls');
  return current;
}

/** Points every part at `dir` (undefined: the shipped controls/); parts already read are dropped. */
export function useControlsDir(dir: string | undefined): void {
  const next = dir ? path.resolve(dir) : path.join(projectRoot(), 'controls');
  if (next === current) return;
  current = next;
  values.clear();
}

/** Declares a part of the controls package: `load(dir)` runs once, at first use. */
export function controlsPart<T>(name: string, load: (dir: string) => T): () => T {
  return () => {
    if (!values.has(name)) values.set(name, load(controlsDir()));
    return values.get(name) as T;
  };
}
