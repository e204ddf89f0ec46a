import type { Knex } from 'knex';
import type { Caller } from '../../../server/context.js';
import { translator, type Language } from '../../../server/i18n.js';
import { shippedCatalogue } from '../../../server/catalogue/index.js';
import { DataSurveyService, type DataSurvey } from '../../../server/systems/data-survey.js';
import { FilingService } from '../../../server/systems/filing.js';
import { ProtectionPlansService, type PlanContent } from '../../../server/systems/protection-plans.js';
import { gradingData } from '../../../server/systems/grading-matrix.js';
import { gradingView, type GradingView } from '../../../server/systems/gradings.js';
import { SystemsService } from '../../../server/systems/service.js';

export const DOCUMENT_TYPES = ['grading_report', 'filing_form', 'expert_review', 'protection_plan', 'data_survey'] as const;
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
  /** The filing's 数据摸底调查表, null when none is filled in. */
  dataSurvey: DataSurvey | null;
  /** The 保护工作方案 of the year asked for (else the newest); `year` is the year printed. */
  protectionPlan: { year: number; content: PlanContent | null; adoptedOn: string | null };
  /** Assessed-object category code → label in the document's language (the plan's assets). */
  categoryLabel: (code: string) => string;
  /** The filing rule behind the data survey, with its source. */
  surveyRule: { zh: string; en: string; source: string };
}

export async function assembleLifecycle(knex: Knex, caller: Caller, systemId: string, lang: Language, options: { year?: number; today?: string } = {}): Promise<LifecycleData> {
  const ctx = { knex, caller };
  const system = await new SystemsService(ctx).load(systemId, 'read');
  const org = await knex('organizations').where({ id: system.organization_id }).first();
  const grading = await knex('gradings').where({ system_id: systemId }).orderBy('version', 'desc').first();
  const row = system as unknown as Record<string, any>;
  const filing = await new FilingService(ctx).get(systemId);
  const { survey, rule: surveyRule } = await new DataSurveyService(ctx).get(systemId);
  // Plans are read only for level 3+ (the service refuses below); the newest one unless a year is asked for.
  const plans = Number(grading?.level ?? 0) >= 3 ? await new ProtectionPlansService(ctx).list(systemId) : [];
  const plan = options.year !== undefined ? plans.find((p) => p.year === options.year) : plans[0];
  const year = plan?.year ?? options.year ?? Number((options.today ?? new Date().toISOString()).slice(0, 4));
  const categories = new Map(shippedCatalogue().meta.objectCategories.map((c) => [c.code as string, lang === 'zh-CN' ? c.zh : c.en]));
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
    dataSurvey: survey,
    surveyRule,
    protectionPlan: { year, content: plan?.content ?? null, adoptedOn: plan?.adoptedOn ?? null },
    categoryLabel: (code) => categories.get(code) ?? code,
  };
}

/** The documents.* labels (server/locales), falling back to the key; `{{name}}` filled from `vars` (labels only, never user text). */
export function documentLabels(lang: string): (key: string, vars?: Record<string, string | number>) => string {
  const labels = translator(lang as never)('documents', { returnObjects: true }) as unknown as Record<string, string>;
  return (key: string, vars: Record<string, string | number> = {}) => (labels[key] ?? key).replace(/\{\{(\w+)\}\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}
