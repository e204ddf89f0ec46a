import { z } from 'zod';
import { controlsPart } from '../controls/registry.js';
import { parseControlsYaml } from '../controls/yaml.js';
import { addMonths } from './deadline-rules.js';

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const text = { source: z.string().min(1), zh: z.string().min(1), en: z.string().min(1) };
const months = z.record(z.string().regex(/^\d$/), z.number().int().positive());
const schema = z.strictObject({
  certificate: z.strictObject({ ...text, validYears: z.number().int().positive(), countFrom: day, extendYearsPerTest: z.number().int().min(0), renewalWindowMonths: z.number().int().positive() }),
  refile2025: z.strictObject({ ...text, minLevel: z.number().int(), filedBefore: day, dueDate: day }),
  level5: z.strictObject({ ...text, filingOrgan: z.string(), testedAgainst: z.strictObject({ level: z.number().int(), standards: z.array(z.string()).min(1) }) }),
  level1: z.strictObject({ ...text, filed: z.literal(false) }),
  dataSurvey: z.strictObject({ ...text, minLevel: z.number().int() }),
  protectionPlan: z.strictObject({ ...text, minLevel: z.number().int(), months: z.number().int().positive() }),
  testCycles: z
    .strictObject({ default: z.string(), sets: z.record(z.string(), z.strictObject({ ...text, months })) })
    .refine((t) => t.default in t.sets, { message: 'testCycles.default must name one of testCycles.sets' }),
});
export type FilingRules = z.infer<typeof schema>;

/** filing-rules-2025.yaml of a controls directory (公网安〔2025〕1846号 and the 2007 measures where they still apply). */
export const loadFilingRules = (dir: string): FilingRules => parseControlsYaml(dir, 'filing-rules-2025.yaml', schema);
/** The controls package's filing rules, read once. */
export const filingRules: () => FilingRules = controlsPart('filing-rules', loadFilingRules);

/** The test-cycle rule set in force: DENGBAO_TEST_CYCLE_RULES if it names a set, else the data's default (the newest). */
export function testCycleRules(env: NodeJS.ProcessEnv = process.env): { id: string } & FilingRules['testCycles']['sets'][string] {
  const { testCycles } = filingRules();
  const id = env.DENGBAO_TEST_CYCLE_RULES && env.DENGBAO_TEST_CYCLE_RULES in testCycles.sets ? env.DENGBAO_TEST_CYCLE_RULES : testCycles.default;
  return { id, ...testCycles.sets[id]! };
}

/** Months between tests at a level under the rule set in force (undefined: no periodic test). */
export function testCycleMonths(level: number, env: NodeJS.ProcessEnv = process.env): number | undefined {
  return testCycleRules(env).months[String(level)];
}

/** The units a level is tested against: level 5 is tested against level 4 (plus GA/T 2182-2024). */
export function testedLevel(level: number): number {
  return level === 5 ? filingRules().level5.testedAgainst.level : level;
}

/** Whether a level is filed with the public security organ (level 1 is not). */
export function isFiledLevel(level: number): boolean {
  return level >= 2;
}

/**
 * The filing certificate's expiry: three years from the certificate date (from 2025-01-01 when
 * certified before then), plus one year per test completed since the validity began.
 */
export function certificateExpiry(certificateDate: string, completedTests: string[]): { start: string; expiresOn: string; renewalFrom: string; extensions: number } {
  const r = filingRules().certificate;
  const start = certificateDate < r.countFrom ? r.countFrom : certificateDate;
  const extensions = completedTests.filter((d) => d >= start).length * r.extendYearsPerTest;
  const expiresOn = addMonths(start, 12 * (r.validYears + extensions));
  return { start, expiresOn, renewalFrom: addMonths(expiresOn, -r.renewalWindowMonths), extensions };
}

/** Whether a filing must be re-filed with the 2025 templates (filed before 2025 at level 2+, no re-filing recorded). */
export function needsRefile2025(level: number | undefined, certificateDate: string | null | undefined, refiledOn: string | null | undefined): boolean {
  const r = filingRules().refile2025;
  return !!certificateDate && (level ?? 0) >= r.minLevel && certificateDate < r.filedBefore && !refiledOn;
}

/** Dates of the completed tests (等级测评) of systems: formal tests completed or locked, one per test (not per revision). */
export async function completedTestDates(knex: import('knex').Knex, systemIds: string[] | import('knex').Knex.QueryBuilder): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (Array.isArray(systemIds) && !systemIds.length) return out;
  const rows = await knex('assessments')
    .whereIn('system_id', systemIds)
    .where({ kind: 'formal_test' })
    .whereIn('status', ['completed', 'locked'])
    .whereNull('previous_revision_id')
    .select('system_id', 'end_date', 'start_date', 'updated_at');
  for (const r of rows as Array<Record<string, string | null>>) {
    const on = r.end_date ?? r.start_date ?? String(r.updated_at).slice(0, 10);
    out.set(r.system_id!, [...(out.get(r.system_id!) ?? []), on].sort());
  }
  return out;
}

/**
 * What an assessment at a level is tested against: the level's own units, or for level 5 the
 * level-4 units plus GA/T 2182-2024 (with the sentence the summary and the test report carry).
 */
export function testBasis(level: number): { testedLevel: number; standards: string[]; zh: string; en: string; source: string | null } {
  if (level !== 5) return { testedLevel: level, standards: ['GB/T 22239-2019'], zh: `依据GB/T 22239-2019第${level}级要求开展测评。`, en: `Tested against level ${level} of GB/T 22239-2019.`, source: null };
  const r = filingRules().level5;
  const [gb, ...others] = r.testedAgainst.standards;
  return {
    testedLevel: r.testedAgainst.level,
    standards: r.testedAgainst.standards,
    zh: `本系统为第五级网络，依据${gb}第${r.testedAgainst.level}级要求并结合${others.join('、')}开展等级测评。`,
    en: `This is a level-5 system, tested against level ${r.testedAgainst.level} of ${gb} together with ${others.join(', ')}.`,
    source: r.source,
  };
}
