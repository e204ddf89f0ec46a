import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { Catalogue } from './catalogue.js';
import { defaultCatalogueDir, loadCatalogue } from './load.js';
import { projectRoot } from '../version.js';
import { loadMajorRiskTriggers, type MajorRiskTriggers } from './triggers.js';

/**
 * The shipped catalogue as checked JSON, written by the build next to the compiled code: parsing
 * and validating ~520 KB of YAML takes 0.5–2 s of a start, reading the JSON a few milliseconds.
 * Keyed by the content of every file under controls/, so an edited catalogue is loaded (and
 * checked) from its YAML again; only the compiled server reads it, since the build writes it with
 * the same loader code.
 */
export const snapshotFile = () => path.join(projectRoot(), 'dist', 'catalogue-snapshot.json');

function listFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const p = path.join(dir, name);
      return statSync(p).isDirectory() ? listFiles(p) : [p];
    })
    .sort();
}

export function sourceKey(dir: string = defaultCatalogueDir()): string {
  const hash = createHash('sha256');
  for (const f of listFiles(dir)) hash.update(path.relative(dir, f)).update('\0').update(readFileSync(f)).update('\0');
  return hash.digest('hex');
}

interface Snapshot {
  key: string;
  args: ConstructorParameters<typeof Catalogue>;
  triggers: Omit<MajorRiskTriggers, 'byCode'>;
  /** Every YAML file of the controls directory as parsed data (path relative to it): the other parts still check it with their schemas. */
  yaml?: Record<string, unknown>;
}

/** The YAML files under `dir` parsed; a file that does not parse, or whose data JSON would change, is left to its loader. */
function parsedYaml(dir: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of listFiles(dir)) {
    if (!/\.ya?ml$/.test(f)) continue;
    try {
      const data: unknown = parseYaml(readFileSync(f, 'utf8'));
      if (isDeepStrictEqual(JSON.parse(JSON.stringify(data ?? null)), data ?? null)) out[path.relative(dir, f)] = data ?? null;
    } catch {
      /* the loader reads it and names the problem */
    }
  }
  return out;
}

export function writeSnapshot(file: string = snapshotFile()): void {
  const c = loadCatalogue();
  const { byCode: _, ...triggers } = loadMajorRiskTriggers(c);
  const snapshot: Snapshot = { key: sourceKey(), args: [c.meta, c.contentHash, c.items, c.highRiskCases, c.highRiskSource, c.highRiskPrinciples], triggers, yaml: parsedYaml(defaultCatalogueDir()) };
  writeFileSync(file, JSON.stringify(snapshot));
}

const read = new Map<string, Snapshot | null>();
/** The snapshot when it matches the files of the controls directory `dir` (checked once per directory), else null. */
function current(dir: string): Snapshot | null {
  if (read.has(dir)) return read.get(dir)!;
  let found: Snapshot | null;
  try {
    const snapshot = JSON.parse(readFileSync(snapshotFile(), 'utf8')) as Snapshot;
    found = snapshot.key === sourceKey(dir) ? snapshot : null;
  } catch {
    found = null;
  }
  read.set(dir, found);
  return found;
}

/** The snapshot's catalogue, or undefined when there is none for the files of `dir`. */
export function readSnapshot(dir: string = defaultCatalogueDir()): Catalogue | undefined {
  const s = current(dir);
  return s ? new Catalogue(...s.args) : undefined;
}

/** The snapshot's major-risk triggers (checked against the same catalogue at build), or undefined. */
export function readTriggersSnapshot(dir: string = defaultCatalogueDir()): MajorRiskTriggers | undefined {
  const t = current(dir)?.triggers;
  return t ? { ...t, byCode: new Map(t.triggers.map((x) => [x.code, x])) } : undefined;
}

/**
 * A YAML file of the controls directory as the build parsed it (parsing the package's YAML is
 * most of a start's time), or undefined: parse the file. Only while the snapshot matches the files.
 */
export function snapshotYaml(file: string): { data: unknown } | undefined {
  const dir = defaultCatalogueDir();
  const rel = path.relative(dir, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  const yaml = current(dir)?.yaml;
  return yaml && Object.hasOwn(yaml, rel) ? { data: yaml[rel] } : undefined;
}

/** Drops the parsed YAML once start-up has read every part (later reads parse the files). */
export function releaseSnapshotYaml(): void {
  for (const s of read.values()) if (s) delete s.yaml;
}
