import { ASSESSMENT_KINDS, ASSESSMENT_STATUSES } from '../../server/assessments/service.js';
import { REMEDIATION_STATUSES } from '../../server/assessments/findings.js';
import { HAZARD_STATUSES } from '../../server/assessments/hazards.js';
import { RESULT_INPUT_VALUES } from '../../server/assessments/results.js';
import { OBJECT_CATEGORIES, RESPONSIBILITIES, WEIGHTS } from '../../server/catalogue/schema.js';
import { ORG_ROLES, PLATFORM_ROLES } from '../../server/context.js';
import { FILING_STATUSES } from '../../server/systems/filing.js';
import { LIFECYCLE_STATES } from '../../server/systems/lifecycle.js';
import { EVIDENCE_KINDS } from '../../server/database/migrations/20261126C-evidence.js';

/**
 * The enum values the UI must never show raw, taken from the code's own enums. Built from the
 * sources, so a value added later is checked with no change here.
 */
export const ENUM_VALUES: readonly string[] = [
  ...new Set<string>([
    ...LIFECYCLE_STATES,
    ...FILING_STATUSES,
    ...ASSESSMENT_KINDS,
    ...ASSESSMENT_STATUSES,
    ...REMEDIATION_STATUSES,
    ...HAZARD_STATUSES,
    ...RESULT_INPUT_VALUES,
    'not_assessed',
    ...EVIDENCE_KINDS,
    ...RESPONSIBILITIES,
    ...WEIGHTS,
    ...OBJECT_CATEGORIES.filter((c) => c !== 'system'),
    ...ORG_ROLES,
    ...PLATFORM_ROLES,
    'on_premises',
    'suggested',
    'dismissed',
    'queued',
    'running',
    'succeeded',
    'failed',
  ]),
];

/**
 * Raw enum values in a page's visible text. In Chinese any of them is raw (lower-case ASCII words in
 * a Chinese sentence); in English a snake_case value is raw, and so is a bare value in parentheses
 * or brackets ("(suggested)") — a translated label is written in words.
 */
export function rawEnumValues(text: string, lang: 'zh-CN' | 'en'): string[] {
  const hits = new Set<string>();
  for (const v of ENUM_VALUES) {
    const word = new RegExp(`(?<![A-Za-z0-9_./-])${v}(?![A-Za-z0-9_/-])`);
    const bracketed = new RegExp(`[(\\[（]${v}[)\\]）]`);
    if (lang === 'zh-CN' ? word.test(text) : v.includes('_') ? word.test(text) : bracketed.test(text)) hits.add(v);
  }
  return [...hits];
}
