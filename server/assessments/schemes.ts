import { readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { controlsPart } from '../controls/registry.js';
import { parseControlsYaml } from '../controls/yaml.js';

const zhEn = z.strictObject({ zh: z.string(), en: z.string() });
/** How the scheme reads a point its source leaves open (recorded as data, shown with the scheme). */
const reading = z.strictObject({ topic: z.string(), decision: zhEn, reason: z.string() });
const common = { id: z.string(), name: zhEn, source: z.string(), verified: z.boolean(), readings: z.array(reading).default([]) };
export const schemeSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    ...common,
    kind: z.literal('compliance_rate'),
    parameters: z.strictObject({
      basis: z.enum(['unit', 'result']),
      partialCredit: z.number().min(0).max(1),
      conformAbove: z.number().min(0).max(1),
      basicAtLeast: z.number().min(0).max(1),
      majorRiskConclusion: z.enum(['nonconform', 'basic']),
    }),
    conclusions: z.strictObject({ conform: zhEn, basic: zhEn, nonconform: zhEn }),
  }),
  z.strictObject({
    ...common,
    kind: z.literal('composite_score'),
    parameters: z.strictObject({
      basis: z.enum(['unit', 'result']),
      partialCredit: z.number().min(0).max(1),
      weights: z.strictObject({ key: z.number(), important: z.number(), general: z.number() }),
      bands: z.strictObject({ excellent: z.number(), good: z.number(), fair: z.number() }),
      highRiskConclusion: z.enum(['poor', 'fair']),
    }),
    conclusions: z.strictObject({ excellent: zhEn, good: zhEn, fair: zhEn, poor: zhEn }),
  }),
]);
export type Scheme = z.infer<typeof schemeSchema>;

/** The conclusion schemes under `schemes/` of a controls directory. */
export function loadConclusionSchemes(controls: string): Map<string, Scheme> {
  const dir = path.join(controls, 'schemes');
  return new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => {
        const scheme = parseControlsYaml(controls, path.join('schemes', f), schemeSchema);
        return [scheme.id, scheme] as const;
      }),
  );
}
/** The controls package's conclusion schemes, validated at first use. */
export const conclusionSchemes: () => Map<string, Scheme> = controlsPart('schemes', loadConclusionSchemes);
