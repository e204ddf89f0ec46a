import type { Knex } from 'knex';
import type { Caller } from '../../../server/context.js';
import { translator, type Language } from '../../../server/i18n.js';
import { FilingService } from '../../../server/systems/filing.js';
import { gradingData } from '../../../server/systems/grading-matrix.js';
import { gradingView, type GradingView } from '../../../server/systems/gradings.js';
import { SystemsService } from '../../../server/systems/service.js';

export const DOCUMENT_TYPES = ['grading_report', 'filing_form', 'expert_review'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/** What the lifecycle documents are generated from: only what dengbao holds (no invented text). */
export interface LifecycleData {
  lang: Language;
  system: { id: string; name: string; description: string | null; deployment: string; businessType: string | null; contacts: Array<{ name: string; role?: string; phone?: string; email?: string }> };
  organization: { name: string; address: string | null; creditCode: string | null };
  /** The newest grading version, or null when the system has not been graded. */
  grading: GradingView | null;
  /** The grading the filing refers to (the approved one), else the newest. */
  filingGrading: GradingView | null;
  filing: Awaited<ReturnType<FilingService['get']>>;
  matrix: ReturnType<typeof gradingData>;
}

export async function assembleLifecycle(knex: Knex, caller: Caller, systemId: string, lang: Language): Promise<LifecycleData> {
  const ctx = { knex, caller };
  const system = await new SystemsService(ctx).load(systemId, 'read');
  const org = await knex('organizations').where({ id: system.organization_id }).first();
  const grading = await knex('gradings').where({ system_id: systemId }).orderBy('version', 'desc').first();
  const row = system as unknown as Record<string, any>;
  const filing = await new FilingService(ctx).get(systemId);
  const filingGrading = filing.gradingId ? await knex('gradings').where({ id: filing.gradingId, system_id: systemId }).first() : undefined;
  return {
    lang,
    system: {
      id: system.id,
      name: row.name,
      description: row.description ?? null,
      deployment: documentLabels(lang)(`deployment_${row.deployment}`),
      businessType: row.business_type ?? null,
      contacts: row.contacts ? JSON.parse(row.contacts) : [],
    },
    organization: { name: org.name, address: org.address ?? null, creditCode: org.credit_code ?? null },
    grading: grading ? gradingView(grading) : null,
    filingGrading: filingGrading ? gradingView(filingGrading) : grading ? gradingView(grading) : null,
    filing,
    matrix: gradingData(),
  };
}

/** The documents.* labels (server/locales), falling back to the key. */
export function documentLabels(lang: string): (key: string) => string {
  const labels = translator(lang as never)('documents', { returnObjects: true }) as unknown as Record<string, string>;
  return (key: string) => labels[key] ?? key;
}
