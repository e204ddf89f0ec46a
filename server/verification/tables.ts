import { z } from 'zod';
import { CatalogueError, defaultCatalogueDir } from '../catalogue/load.js';
import { LAYER_CODES } from '../catalogue/schema.js';
import { controlsPart } from '../controls/registry.js';
import { parseControlsYaml } from '../controls/yaml.js';
import { OBJECT_CATEGORIES_NO_SYSTEM } from '../database/migrations/20261126E-assessments.js';

/**
 * The three data tables of verification tests and risk analysis, kept under controls/ with their
 * source: scanner severity → risk (scan-severity.yaml), the GB/T 20984 threat classes
 * (threat-catalogue.yaml) and the likelihood × impact risk matrix (risk-matrix.yaml).
 */
export type Risk = 'high' | 'medium' | 'low';
export type ScannerLevel = 'critical' | 'high' | 'medium' | 'low' | 'info';
const LEVEL = z.enum(['critical', 'high', 'medium', 'low', 'info']);
const RISK = z.enum(['high', 'medium', 'low']);
const zhEn = z.strictObject({ zh: z.string().min(1), en: z.string().min(1) });
const head = { version: z.string().min(1), source: z.string().min(1), verified: z.boolean() };

const severitySchema = z.strictObject({
  ...head,
  levels: z.strictObject({ critical: RISK, high: RISK, medium: RISK, low: RISK, info: z.literal('info') }),
  words: z.record(z.string(), LEVEL),
  nessusSeverity: z.record(z.string().regex(/^[0-4]$/), LEVEL),
  cvssBands: z.array(z.strictObject({ min: z.number().min(0).max(10), level: LEVEL })).min(1),
});
/** The threat catalogue and the matrix are cited in the report's appendix I: their source in both languages. */
const sourceZh = z.string().min(1);
const threatsSchema = z.strictObject({
  ...head,
  sourceZh,
  threats: z
    .array(
      z.strictObject({
        code: z.string().regex(/^TH-\d{2}$/),
        name: zhEn,
        description: zhEn,
        layers: z.array(z.enum(LAYER_CODES)),
        categories: z.array(z.enum(OBJECT_CATEGORIES_NO_SYSTEM)),
      }),
    )
    .min(1),
});
const scale = z.array(z.strictObject({ value: z.number().int(), zh: z.string().min(1), en: z.string().min(1) })).min(2);
const matrixSchema = z.strictObject({ ...head, sourceZh, likelihood: scale, impact: scale, matrix: z.array(z.array(RISK)) });

export type SeverityTable = z.infer<typeof severitySchema>;
export type ThreatCatalogue = z.infer<typeof threatsSchema>;
export type Threat = ThreatCatalogue['threats'][number];
export type RiskMatrix = z.infer<typeof matrixSchema>;

/** One table of a controls directory, checked against its schema (errors name the file and field). */
const load = <T>(file: string, schema: z.ZodType<T>, dir: string): T => parseControlsYaml(dir, file, schema);

export function loadRiskMatrix(dir: string = defaultCatalogueDir()): RiskMatrix {
  const m = load('risk-matrix.yaml', matrixSchema, dir);
  if (m.matrix.length !== m.impact.length || m.matrix.some((row) => row.length !== m.likelihood.length)) {
    throw new CatalogueError([`risk-matrix.yaml: field matrix: must have ${m.impact.length} rows (impact) of ${m.likelihood.length} cells (likelihood)`]);
  }
  return m;
}

/** The scan-severity table, threat catalogue and risk matrix of a controls directory. */
export function loadVerificationTables(dir: string): { severity: SeverityTable; threats: ThreatCatalogue; matrix: RiskMatrix } {
  const threats = load('threat-catalogue.yaml', threatsSchema, dir);
  const codes = threats.threats.map((t) => t.code);
  if (new Set(codes).size !== codes.length) throw new CatalogueError(['threat-catalogue.yaml: field threats: duplicate code']);
  return { severity: load('scan-severity.yaml', severitySchema, dir), threats, matrix: loadRiskMatrix(dir) };
}
/** The controls package's tables, read and checked once per process. */
export const verificationTables = controlsPart('verification-tables', loadVerificationTables);

/** A scanner's word or score → its level, or undefined when the table does not know it. */
export function scannerLevel(input: { word?: string | null; nessus?: string | null; cvss?: number | null }): ScannerLevel | undefined {
  const t = verificationTables().severity;
  if (input.nessus != null && t.nessusSeverity[input.nessus.trim()]) return t.nessusSeverity[input.nessus.trim()];
  const word = input.word?.trim().toLowerCase();
  if (word && t.words[word]) return t.words[word];
  if (input.cvss != null && Number.isFinite(input.cvss)) return t.cvssBands.find((b) => input.cvss! >= b.min)?.level;
  return undefined;
}

export const riskOfLevel = (level: ScannerLevel): Risk | 'info' => verificationTables().severity.levels[level];

/** likelihood × impact → risk through the matrix (values are the scales' values). */
export function matrixRisk(likelihood: number, impact: number): Risk | undefined {
  const m = verificationTables().matrix;
  const li = m.likelihood.findIndex((s) => s.value === likelihood);
  const ii = m.impact.findIndex((s) => s.value === impact);
  return li < 0 || ii < 0 ? undefined : m.matrix[ii]![li];
}
