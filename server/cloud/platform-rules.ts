import type { Knex } from 'knex';
import type { Catalogue } from '../catalogue/index.js';
import { addMonths, deadlineRules } from '../systems/deadline-rules.js';
import { bool } from '../util.js';

/*
 * A cloud platform's rules and views, without the service: what inheritance and the summary need
 * (is the conclusion usable, the responsibility matrix), so they import this and the platform
 * service can import inheritance without a cycle.
 */

export type Responsibility = 'provider' | 'shared' | 'tenant';
export type PlatformResult = 'conform' | 'partial' | 'nonconform' | 'na';

export interface PlatformInput {
  organizationId?: string | null; // omitted/null with published: a shared platform (admins only)
  published?: boolean;
  provider: string;
  product: string;
  deployment?: string | null;
  region?: string | null;
  level: number;
  reportNumber: string;
  assessingOrganization: string;
  conclusion: string;
  testDate: string;
  validUntil?: string | null;
  reportEvidenceId?: string | null;
}

export const platformView = (r: Record<string, any>) => ({
  id: r.id as string,
  organizationId: (r.organization_id ?? null) as string | null,
  published: bool(r.published),
  provider: r.provider as string,
  product: r.product as string,
  deployment: r.deployment ?? null,
  region: r.region ?? null,
  level: Number(r.level),
  reportNumber: r.report_number as string,
  assessingOrganization: r.assessing_organization as string,
  conclusion: r.conclusion as string,
  testDate: r.test_date as string,
  validUntil: r.valid_until as string,
  reportEvidenceId: r.report_evidence_id ?? null,
  updatedAt: r.updated_at as string,
});
export type PlatformView = ReturnType<typeof platformView>;

/** A platform's conclusion is reusable for one test cycle of its level (controls/deadline-rules.yaml). */
export function defaultValidUntil(level: number, testDate: string): string {
  const months = deadlineRules().platformValidity.months[String(level)] ?? 12;
  return addMonths(testDate, months);
}

/** Is the platform's conclusion usable by a tenant system at `level` on `date`? The reason when not. */
export function platformUsable(p: { level: number; validUntil: string; testDate: string; conclusion: string }, level: number, date: string): string | null {
  if (p.level < level) return `the platform is graded level ${p.level}, below the system's level ${level}`;
  if (date > p.validUntil) return `the platform's conclusion expired on ${p.validUntil}`;
  if (date < p.testDate) return `the platform's test (${p.testDate}) is later than the assessment date ${date}`;
  if (/^(不符合|差|nonconform|poor)$/.test(p.conclusion)) return `the platform's own conclusion is ${p.conclusion}`;
  return null;
}

/** Default matrix from the catalogue's cloudResponsibility, overridden by the platform's own entries. */
export async function responsibilityMatrix(knex: Knex, catalogue: Catalogue, platformId: string, level?: number, set?: string) {
  const overrides = new Map((await knex('platform_responsibilities').where({ platform_id: platformId })).map((r: Record<string, any>) => [r.code, r]));
  return catalogue.query({ level, set: set as 'general' | 'cloud' | undefined }).map((u) => {
    const o = overrides.get(u.code);
    const responsibility = (o?.responsibility ?? u.cloudResponsibility) as Responsibility;
    return {
      code: u.code,
      layer: u.layer,
      controlPoint: u.controlPoint.zh,
      responsibility,
      platformResult: (responsibility === 'tenant' ? null : (o?.platform_result ?? 'conform')) as PlatformResult | null,
      note: o?.note ?? null,
      overridden: !!o,
    };
  });
}
