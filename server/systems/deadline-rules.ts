import { z } from 'zod';
import { addDays } from '../dates.js';
import { controlsPart } from '../controls/registry.js';
import { parseControlsYaml } from '../controls/yaml.js';

const text = { article: z.string(), zh: z.string(), en: z.string(), after: z.string(), note: z.string().optional() };
const months = z.record(z.string().regex(/^\d$/), z.number().int().positive());
const rulesSchema = z.strictObject({
  source: z.string(),
  rules: z.strictObject({
    filing: z.strictObject({ ...text, minLevel: z.number().int(), days: z.number().int().positive() }),
    certificate: z.strictObject({ ...text, workingDays: z.number().int().positive() }),
    test: z.strictObject({ ...text, months }),
    selfInspection: z.strictObject({ ...text, months }),
    rectification: z.strictObject({ ...text }),
  }),
  platformValidity: z.strictObject({ months, source: z.string() }),
});
export type DeadlineRules = z.infer<typeof rulesSchema>;

/** deadline-rules.yaml of a controls directory. */
export const loadDeadlineRules = (dir: string): DeadlineRules => parseControlsYaml(dir, 'deadline-rules.yaml', rulesSchema);
/** The controls package's deadline rules, read once. */
export const deadlineRules: () => DeadlineRules = controlsPart('deadline-rules', loadDeadlineRules);

/** Adds calendar months, clamping to the month's last day (2026-08-31 + 6 months = 2027-02-28). */
export function addMonths(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const total = y * 12 + (m - 1) + n;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  const last = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** Adds working days (Monday–Friday) to a date; statutory holidays are not yet data. */
export function addWorkingDays(date: string, n: number): string {
  let d = date;
  let left = n;
  while (left > 0) {
    d = addDays(d, 1);
    const dow = new Date(`${d}T00:00:00Z`).getUTCDay();
    if (dow !== 0 && dow !== 6) left--;
  }
  return d;
}

/** The test (and self-inspection) cycle in months for a level, or undefined (no periodic test required). */
export function cycleMonths(kind: 'test' | 'selfInspection', level: number): number | undefined {
  return deadlineRules().rules[kind].months[String(level)];
}
