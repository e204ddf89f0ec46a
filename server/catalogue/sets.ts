import { bool } from '../util.js';
import { SETS, type RequirementSet } from './schema.js';

/**
 * Requirement sets a system is assessed against: general plus each extension flagged on the system row
 * (cloud, mobile, IoT, industrial control). Big data has no numbered units (GB/T 22239-2019 annex H), so
 * its flag adds none. The one rule for the system view and for new assessments.
 */
export function requirementSetsOf(system: Record<string, unknown>): RequirementSet[] {
  const flags: Record<Exclude<RequirementSet, 'general'>, unknown> = { cloud: system.ext_cloud, mobile: system.ext_mobile, iot: system.ext_iot, ics: system.ext_ics };
  return SETS.filter((s) => s === 'general' || bool(flags[s]));
}
