import { Router, type Request } from 'express';
import { z } from 'zod';
import { OrganizationScope } from '../context.js';
import { listDeadlines } from '../deadlines/index.js';
import { ValidationError } from '../errors.js';
import { serviceContext } from '../http/request.js';
import { postSystemsIdProtectionPlansBody } from '../routes/filing-2025.js';
import { date } from '../routes/systems.js';
import { DataSurveyService } from '../systems/data-survey.js';
import { FilingService } from '../systems/filing.js';
import { filingRules, testCycleRules } from '../systems/filing-rules.js';
import { ProtectionPlansService } from '../systems/protection-plans.js';
import { requireCsrf } from './csrf.js';
import { parseForm } from './form-parse.js';
import { signedIn } from './render.js';
import { formAction } from './system-pages.js';

/** The system page's 2025 filing card: level 1/5, certificate expiry, re-filing, test cycle, data survey, protection plans. */
export const filing2025PagesRouter = Router();

const pick = (req: Request, t: { zh: string; en: string }) => (req.lang === 'zh-CN' ? t.zh : t.en);
const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

export async function filing2025View(req: Request, systemId: string, level: number | undefined) {
  const ctx = serviceContext(req);
  const filing = await new FilingService(ctx).get(systemId);
  const survey = await new DataSurveyService(ctx).get(systemId);
  const rules = filingRules();
  const cycle = testCycleRules();
  const due = (await listDeadlines(ctx.knex, new OrganizationScope(ctx.caller), 36600)).filter((d) => d.subject.type === 'system' && d.subject.id === systemId);
  const testDue = due.find((d) => d.type === 'test_due');
  const planDue = due.find((d) => d.type === 'protection_plan_due');
  return {
    notFiled: filing.notFiled ? pick(req, filing.notFiled) : null,
    filingOrgan: filing.filingOrganLevel ? req.t(`filing2025.organ_${filing.filingOrganLevel}`) : null,
    testedAgainst: level === 5 ? pick(req, rules.level5) : null,
    certificate: filing.certificate,
    refile: filing.refile2025.required ? pick(req, filing.refile2025.rule) : null,
    refiledOn: filing.refiledOn,
    testDue: testDue ? { dueDate: testDue.dueDate, rule: `${pick(req, cycle)}（${cycle.source}）` } : null,
    testRule: (level ?? 0) >= 3 ? `${pick(req, cycle)}（${cycle.source}）` : null,
    survey: survey.survey ? survey.survey.categories.map((c) => c.category) : null,
    surveyRequired: (level ?? 0) >= rules.dataSurvey.minLevel,
    plansRequired: (level ?? 0) >= rules.protectionPlan.minLevel,
    plans: (level ?? 0) >= rules.protectionPlan.minLevel ? await new ProtectionPlansService(ctx).list(systemId) : [],
    planDue: planDue?.dueDate ?? null,
    year: new Date().getUTCFullYear(),
  };
}

filing2025PagesRouter.post('/systems/:id/refiled', signedIn, requireCsrf, (req, res) =>
  formAction(req, res, `/systems/${req.params.id}`, async () => {
    // Checked like the API's field (a date, or none): before, any text reached the database.
    const { refiledOn } = parseForm(req, z.strictObject({ refiledOn: date.nullable() }), { refiledOn: str((req.body as Record<string, string>).refiledOn) ?? null }, { refiledOn: 'date' });
    const service = new FilingService(serviceContext(req));
    const f = await service.get(String(req.params.id));
    await service.put(String(req.params.id), { form: f.form, status: f.status, filingOrgan: f.filingOrgan, submittedOn: f.submittedOn, certificateNumber: f.certificateNumber, certificateDate: f.certificateDate, returnReason: f.returnReason, missingAttachments: f.attachments.filter((a) => a.state === 'missing').map((a) => a.slot), refiledOn });
    return `/systems/${req.params.id}#filing-2025`;
  }),
);

filing2025PagesRouter.post('/systems/:id/protection-plans', signedIn, requireCsrf, (req, res) =>
  formAction(req, res, `/systems/${req.params.id}`, async () => {
    const b = req.body as Record<string, string>;
    if (!/^\d{4}$/.test(b.year ?? '')) throw new ValidationError({}, [{ path: 'year', code: 'invalid_value', message: 'a year such as 2026' }]);
    const input = parseForm(req, postSystemsIdProtectionPlansBody, { year: Number(b.year), adoptedOn: str(b.adoptedOn) ?? null }, { adoptedOn: 'date' });
    await new ProtectionPlansService(serviceContext(req)).create(String(req.params.id), input);
    return `/systems/${req.params.id}#filing-2025`;
  }),
);
