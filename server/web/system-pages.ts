import { toAppError } from '../http/error-handler.js';
import { OrganizationScope } from '../context.js';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { PlatformsService } from '../cloud/platforms.js';
import { todayInChina } from '../dates.js';
import { AppError, ValidationError } from '../errors.js';
import { deps, serviceContext } from '../http/request.js';
import { FilingService } from '../systems/filing.js';
import { gradingData, HARM_DEGREES, HARMED_OBJECTS, type Harm } from '../systems/grading-matrix.js';
import { GradingsService } from '../systems/gradings.js';
import { SystemsService } from '../systems/service.js';
import { requireCsrf } from './csrf.js';
import { detailText, errorText } from './page-errors.js';
import { renderSystemPage, systemIdOf, type FailedForm } from './system-page.js';
import { systemActionsRouter } from './system-actions.js';
import { filingPagesRouter } from './filing-pages.js';
import { planPagesRouter } from './plan-pages.js';
import { surveyPagesRouter } from './survey-pages.js';
import { renderPage, signedIn } from './render.js';

/** The officer's forms: new system, grading wizard, expert review, approval and filing. */
export const systemPagesRouter = Router();

const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);

/** Runs a form action; a 4xx error goes back to the form with the message and each field's error. */
export async function formAction(req: Request, res: Response, back: string, action: () => Promise<string>, labelOf?: FieldLabels): Promise<void> {
  try {
    res.redirect(303, await action());
  } catch (thrown) {
    // Database constraint errors (a duplicate name) come back to the form like any other refusal.
    const err = thrown instanceof AppError ? thrown : toAppError(thrown);
    if (err.status >= 500) throw thrown;
    // The message names every bad field, so forms without a slot for a field still show it.
    const params = new URLSearchParams({ error: failureSummary(req, err, labelOf) });
    for (const d of err.details) if (d.path) params.set(`fe.${d.path.split('.')[0]}`, detailText(req, d));
    res.redirect(303, `${back}${back.includes('?') ? '&' : '?'}${params}#workflow`);
  }
}

/** A form's own labels for its fields, where the shared ones (flow.field_*) would say another form's word. */
export type FieldLabels = (path: string) => string | undefined;

/** The error in words, naming each bad field by its label (never its code name). */
export function failureSummary(req: Request, err: AppError, labelOf?: FieldLabels): string {
  // A duplicate's message already names its field, in the user's words.
  if (err.code === 'unique_violation') return errorText(req, err);
  const fields = err.details.map((d) => `${d.path ? `${labelOf?.(d.path) ?? fieldLabel(req, d.path)}: ` : ''}${detailText(req, d)}`).join('; ');
  return errorText(req, err) + (fields ? ` — ${fields}` : '');
}

/** A field named in the user's words: its own label, else its list's (contacts.1.email → 联系人), else 其他. */
function fieldLabel(req: Request, path: string): string {
  const parts = path.split('.');
  const other = req.t('flow.field_other');
  const own = (p: string) => req.t(`flow.field_${p}`, { defaultValue: req.t(`sysforms.field_${p}`, { defaultValue: '' }) });
  return own(parts[0]!) || own(parts[parts.length - 1]!) || other;
}

/**
 * Runs a form of the system page; a 4xx error renders the page again with everything typed in
 * that form, the errors next to its fields and the error's status (nothing typed is lost).
 */
export async function systemForm(req: Request, res: Response, systemId: string, form: string, action: () => Promise<string>, extra: Partial<FailedForm> = {}): Promise<void> {
  try {
    res.redirect(303, await action());
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    const fieldErrors: Record<string, string> = {};
    // By field, and by full path for rows of a list (contacts.1.email sits next to that row's field).
    for (const d of err.details) if (d.path) fieldErrors[d.path.split('.')[0]!] ??= fieldErrors[d.path] ??= detailText(req, d);
    const lineErrors = (err.params as { lines?: FailedForm['lineErrors'] }).lines;
    await renderSystemPage(req, res, systemId, { form, values: { ...(req.body as Record<string, unknown>) }, error: failureSummary(req, err), fieldErrors, lineErrors, ...extra }, err.status);
  }
}

/** Field errors carried back in the query string (fe.<field>=message). */
export function fieldErrors(req: Request): Record<string, string> {
  return Object.fromEntries(Object.entries(req.query).filter(([k, v]) => k.startsWith('fe.') && typeof v === 'string').map(([k, v]) => [k.slice(3), v as string]));
}

systemPagesRouter.get('/systems/new', signedIn, async (req, res) => {
  const ctx = serviceContext(req);
  const orgs = await ctx.knex('organizations').whereIn('id', new OrganizationScope(ctx.caller).organizationIds('manage'));
  renderPage(req, res, 'system-new', {
    title: req.t('ui.new_system'),
    nav: 'systems',
    organizations: orgs.map((o: Record<string, string>) => ({ id: o.id, name: o.name })),
    platforms: await new PlatformsService(ctx, deps(req).catalogue).list(),
    // The extension requirement sets a system may take (cloud follows the deployment), and big data (a mark only).
    extensions: [
      ...(['mobile', 'iot', 'ics'] as const).map((code) => ({ code, name: req.lang === 'zh-CN' ? deps(req).catalogue.meta.sets[code]!.zh : deps(req).catalogue.meta.sets[code]!.en })),
      { code: 'bigData', name: req.t('extensions.bigData') },
    ],
    error: str(req.query.error),
    fieldErrors: fieldErrors(req),
  });
});

systemPagesRouter.post('/systems', signedIn, requireCsrf, (req, res) =>
  formAction(req, res, '/systems/new', async () => {
    const b = req.body as Record<string, string>;
    const name = b.name?.trim() ?? '';
    if (!name || name.length > 200) {
      throw new ValidationError({}, [{ path: 'name', code: 'invalid', message: req.t('errors.not_null_violation', { field: req.t('ui.name') }) }]);
    }
    const s = await new SystemsService(serviceContext(req)).create(b.organizationId ?? '', {
      name: b.name?.trim() ?? '',
      description: str(b.description) ?? null,
      deployment: b.deployment === 'cloud' ? 'cloud' : 'on_premises',
      platformId: str(b.platformId) ?? null,
      extensions: { mobile: b.ext_mobile === '1', iot: b.ext_iot === '1', ics: b.ext_ics === '1', bigData: b.ext_bigData === '1' },
    });
    return `/systems/${s.id}`;
  }),
);

systemPagesRouter.post('/systems/:id/gradings', signedIn, requireCsrf, (req, res) =>
  systemForm(req, res, systemIdOrThrow(req), 'grading', async () => {
    const b = req.body as Record<string, string>;
    const harms = (prefix: string): Harm[] =>
      HARMED_OBJECTS.filter((o) => HARM_DEGREES.includes(b[`${prefix}_${o}`] as never)).map((o) => ({ object: o, degree: b[`${prefix}_${o}`] as Harm['degree'] }));
    const business = harms('s');
    const service = harms('a');
    if (!business.length || !service.length) {
      throw new ValidationError({}, [{ path: 'harms', code: 'required', message: 'choose a harm degree for business information and for service', rule: 'harms_required' }]);
    }
    const rationale = b.rationale?.trim() ?? '';
    if (rationale.length < 10) {
      throw new ValidationError({}, [{ path: 'rationale', code: 'too_small', message: 'at least 10 characters', rule: 'min_chars', params: { min: 10 } }]);
    }
    await new GradingsService(serviceContext(req)).create(String(req.params.id), { businessHarms: business, serviceHarms: service, rationale, gradedOn: b.gradedOn ?? todayInChina() });
    return `/systems/${req.params.id}#workflow`;
  }),
);

systemPagesRouter.post('/systems/:id/gradings/:gid/review', signedIn, requireCsrf, (req, res) =>
  systemForm(req, res, systemIdOrThrow(req), 'review', async () => {
    const b = req.body as Record<string, string>;
    await new GradingsService(serviceContext(req)).review(String(req.params.id), String(req.params.gid), {
      reviewedOn: b.reviewedOn ?? '',
      experts: (b.experts ?? '').split(/\r?\n/).map((x) => x.trim()).filter(Boolean),
      opinion: b.opinion?.trim() ?? '',
    });
    return `/systems/${req.params.id}#workflow`;
  }),
);

systemPagesRouter.post('/systems/:id/gradings/:gid/approval', signedIn, requireCsrf, (req, res) =>
  systemForm(req, res, systemIdOrThrow(req), 'approval', async () => {
    const b = req.body as Record<string, string>;
    await new GradingsService(serviceContext(req)).approve(String(req.params.id), String(req.params.gid), { approvedOn: b.approvedOn ?? '', authority: b.authority?.trim() ?? '', reference: b.reference?.trim() ?? '' });
    return `/systems/${req.params.id}#workflow`;
  }),
);

systemPagesRouter.post('/systems/:id/filing', signedIn, requireCsrf, (req, res) =>
  systemForm(req, res, systemIdOrThrow(req), 'filing', async () => {
    const b = req.body as Record<string, string>;
    const service = new FilingService(serviceContext(req));
    const current = await service.get(String(req.params.id));
    const certify = b.status === 'certified';
    // Certifying with required attachments not provided needs an explicit confirmation, and the
    // filing records which were missing (the officer's word, kept for the auditor).
    const notProvided = current.attachments.filter((a) => a.required && a.state !== 'provided').map((a) => a.slot);
    if (certify && notProvided.length && b.confirmMissing !== '1') {
      throw new ValidationError({}, [{ path: 'confirmMissing', code: 'required', message: 'confirm certifying with attachments missing', rule: 'confirm_missing', params: { count: notProvided.length } }]);
    }
    await service.put(String(req.params.id), {
      form: current.form,
      status: certify ? 'certified' : 'submitted',
      filingOrgan: str(b.filingOrgan) ?? null,
      submittedOn: str(b.submittedOn) ?? null,
      certificateNumber: certify ? (str(b.certificateNumber) ?? null) : null,
      certificateDate: certify ? (str(b.certificateDate) ?? null) : null,
      ...(certify && notProvided.length ? { missingAttachments: [...new Set([...current.attachments.filter((a) => a.state === 'missing').map((a) => a.slot), ...notProvided])] } : {}),
    });
    return `/systems/${req.params.id}#workflow`;
  }),
);

systemPagesRouter.post('/systems/:id/inspections', signedIn, requireCsrf, (req, res) =>
  formAction(req, res, `/systems/${req.params.id}`, async () => {
    const b = req.body as Record<string, string>;
    const { InspectionsService } = await import('../systems/inspections.js');
    await new InspectionsService(serviceContext(req)).create(String(req.params.id), {
      kind: b.kind === 'self' ? 'self' : 'supervision',
      inspectedOn: b.inspectedOn ?? todayInChina(),
      organ: str(b.organ) ?? null,
      result: str(b.result) ?? '',
      notice: str(b.notice) ?? null,
      noticeDue: str(b.noticeDue) ?? null,
    });
    return `/systems/${req.params.id}`;
  }),
);

systemPagesRouter.post('/systems/:id/deployed-products', signedIn, requireCsrf, (req, res) =>
  formAction(req, res, `/systems/${req.params.id}`, async () => {
    const b = req.body as Record<string, string>;
    const { DeployedProductsService } = await import('../cloud/deployed.js');
    const { productCatalogue } = await import('../cloud/products.js');
    await new DeployedProductsService(serviceContext(req), productCatalogue(deps(req).catalogue)).add(String(req.params.id), { productId: b.productId ?? '', since: str(b.since) ?? null });
    return `/systems/${req.params.id}`;
  }),
);

systemPagesRouter.post('/systems/:id/filing-attachments', signedIn, requireCsrf, (req, res) =>
  formAction(req, res, `/systems/${req.params.id}`, async () => {
    const b = req.body as Record<string, string>;
    const systemId = String(req.params.id);
    if (b.action === 'missing') {
      await new FilingService(serviceContext(req)).markMissing(systemId, b.slot ?? '', true);
    } else if (b.evidenceId) {
      const { EvidenceService } = await import('../evidence/service.js');
      await new EvidenceService(serviceContext(req), deps(req).store).link(b.evidenceId, 'filing_attachment', `${systemId}:${b.slot ?? ''}`);
    } else {
      // Neither action: say so rather than answer as if something was attached.
      throw new ValidationError({}, [{ path: 'evidenceId', code: 'required', message: req.t('errors.file_required') }]);
    }
    return `/systems/${systemId}`;
  }),
);

/** What the system page needs for the officer's forms. */
export async function systemFormsView(req: Request, systemId: string, failed?: FailedForm) {
  const ctx = serviceContext(req);
  const row = await ctx.knex('systems').where({ id: systemId }).first();
  const canManage = new OrganizationScope(ctx.caller).can(row.organization_id, 'manage');
  const latest = await ctx.knex('gradings').where({ system_id: systemId }).orderBy('version', 'desc').first();
  const g = gradingData();
  const pick = (t: { zh: string; en: string }) => (req.lang === 'zh-CN' ? t.zh : t.en);
  // A failed grading keeps every harm chosen and the text typed.
  const typed = (form: string, field: string) => (failed?.form === form && typeof failed.values[field] === 'string' ? (failed.values[field] as string) : undefined);
  const { productCatalogue } = await import('../cloud/products.js');
  return {
    canManage,
    canEditSystem: new OrganizationScope(ctx.caller).can(row.organization_id, 'edit'),
    productChoices: productCatalogue(deps(req).catalogue).products.map((p) => ({ id: p.id, label: `${pick(p.vendor.name)} ${pick(p.name)}` })),
    ungraded: !latest || !!latest.reviewed_on,
    latestGrading: latest ? { id: latest.id } : null,
    matrixJson: JSON.stringify(g.matrix),
    degrees: [{ key: 'none', label: req.t('ui.degree_none') }, ...HARM_DEGREES.map((d) => ({ key: d, label: pick(g.degrees[d]) }))],
    harmGroups: [
      { prefix: 's', label: req.t('ui.business_info'), objects: HARMED_OBJECTS.map((o) => ({ key: o, label: pick(g.objects[o]), selected: typed('grading', `s_${o}`) ?? 'none' })) },
      { prefix: 'a', label: req.t('ui.service'), objects: HARMED_OBJECTS.map((o) => ({ key: o, label: pick(g.objects[o]), selected: typed('grading', `a_${o}`) ?? 'none' })) },
    ],
    typed: {
      rationale: typed('grading', 'rationale') ?? '',
      gradedOn: typed('grading', 'gradedOn') ?? todayInChina(),
      reviewedOn: typed('review', 'reviewedOn') ?? todayInChina(),
      experts: typed('review', 'experts') ?? '',
      opinion: typed('review', 'opinion') ?? '',
      approvedOn: typed('approval', 'approvedOn') ?? todayInChina(),
      authority: typed('approval', 'authority') ?? '',
      reference: typed('approval', 'reference') ?? '',
    },
    today: todayInChina(),
    error: failed?.error ?? str(req.query.error),
    fieldErrors: failed?.fieldErrors ?? fieldErrors(req),
  };
}

const systemIdOrThrow = (req: Request): string => {
  const id = systemIdOf(req);
  if (!id) throw new ValidationError({ location: 'params' }, [{ path: 'params.id', code: 'invalid_format', message: 'not an id' }]);
  return id;
};

systemPagesRouter.get('/systems/:id', signedIn, async (req, res) => {
  const id = systemIdOf(req);
  if (!id) return res.redirect(303, '/systems');
  await renderSystemPage(req, res, id);
});


// The next actions of every stage (objects, lifecycle moves, assessments, evidence requests).
systemPagesRouter.use(systemActionsRouter);
// The filing's own page (备案表 fields, returned with a reason) and the inspection's rectified date.
systemPagesRouter.use(filingPagesRouter);
// The 2025 filing's parts: the data survey's categories and the protection plan's content.
systemPagesRouter.use(surveyPagesRouter, planPagesRouter);
