import { z } from 'zod';
import { controlsPart } from '../controls/registry.js';
import { parseControlsYaml } from '../controls/yaml.js';

export const HARMED_OBJECTS = ['citizens', 'social', 'national'] as const;
export const HARM_DEGREES = ['general', 'serious', 'especially_serious'] as const;
export type HarmedObject = (typeof HARMED_OBJECTS)[number];
export type HarmDegree = (typeof HARM_DEGREES)[number];
export interface Harm {
  object: HarmedObject;
  degree: HarmDegree;
}

const zhEn = z.strictObject({ zh: z.string(), en: z.string() });
const row = z.strictObject({ general: z.number().int(), serious: z.number().int(), especially_serious: z.number().int() });
const gradingSchema = z.strictObject({
  standard: z.string(),
  verified: z.boolean(),
  objects: z.strictObject({ citizens: zhEn, social: zhEn, national: zhEn }),
  degrees: z.strictObject({ general: zhEn, serious: zhEn, especially_serious: zhEn }),
  matrix: z.strictObject({ citizens: row, social: row, national: row }),
  rule: zhEn,
});
export type GradingData = z.infer<typeof gradingSchema>;

/** grading.yaml of a controls directory. */
export const loadGradingData = (dir: string): GradingData => parseControlsYaml(dir, 'grading.yaml', gradingSchema);
/** The GB/T 22240-2020 matrix of the controls package, read once. */
export const gradingData: () => GradingData = controlsPart('grading', loadGradingData);

/** The level for a set of harms: the highest matrix cell (GB/T 22240-2020). */
export function levelFor(harms: readonly Harm[]): number {
  const m = gradingData().matrix;
  return Math.max(...harms.map((h) => m[h.object][h.degree]));
}

export interface GradingResult {
  sLevel: number;
  aLevel: number;
  level: number;
  notation: string;
}

/** S from business-information harms, A from system-service harms, G = max(S, A), written S?A?G?. */
export function grade(businessHarms: readonly Harm[], serviceHarms: readonly Harm[]): GradingResult {
  const sLevel = levelFor(businessHarms);
  const aLevel = levelFor(serviceHarms);
  const level = Math.max(sLevel, aLevel);
  return { sLevel, aLevel, level, notation: `S${sLevel}A${aLevel}G${level}` };
}
