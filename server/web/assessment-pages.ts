import { OrganizationScope } from '../context.js';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { ReportsService } from '../../reports/jobs.js';
import { FindingsService } from '../assessments/findings.js';
import { verificationBoard } from './verification-pages.js';
import { AssessmentsService, WRITABLE } from '../assessments/service.js';
import { deps, serviceContext } from '../http/request.js';
import { requireCsrf } from './csrf.js';
import { todayInChina } from '../dates.js';
import { AppError, NotFoundError } from '../errors.js';
import { WorkbookService } from '../../reports/workbook/service.js';
import { OutsideRowsService } from '../assessments/outside-rows.js';
import { fieldErrors, formAction } from './system-pages.js';
import { importResult, readWorkbookUpload } from '../routes/workbook.js';
import { reportsService } from '../routes/artefact-jobs.js';
import { Readable } from 'node:stream';
import { paginate, renderPage, signedIn } from './render.js';
import { hazardBoard } from './hazard-pages.js';
import { registerWorkbookUpload } from '../storage/registry.js';
import { now } from '../util.js';

/** The findings board and the reports page (the workspace is in workspace-pages.ts). */
export const assessmentPagesRouter = Router();

const idOf = (req: Request) => z.uuid().parse(req.params.id);
const labels = (req: Request) => req.t('ui', { returnObjects: true }) as unknown as Record<string, string>;

/** Removes a result row outside the catalogue's default object mapping (added by a workbook import or the API). */
assessmentPagesRouter.post('/assessments/:id/results-remove', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const body = z.object({ code: z.string().regex(/^L\d-[A-Z]{3}\d-\d{2}$/), objectId: z.string(), back: z.string().optional() }).parse(req.body);
  await new OutsideRowsService(serviceContext(req)).remove(id, body.code, body.objectId === 'system' ? null : body.objectId);
  res.redirect(303, body.back?.startsWith('/assessments/') ? body.back : `/assessments/${id}`);
});

assessmentPagesRouter.get('/assessments/:id/findings', signedIn, async (req, res) => {
  const ctx = serviceContext(req);
  const id = idOf(req);
  const L = labels(req);
  const risk = { high: req.t('report.high'), medium: req.t('report.medium'), low: req.t('report.low') } as Record<string, string>;
  const today = todayInChina();
  const findings = (await new FindingsService(ctx).list(id)).map((f) => ({
    ...f,
    riskLabel: risk[f.effectiveRisk],
    status: f.remediation ? req.t(`report.remediation_status_${f.remediation.status}`) : '',
    overdue: !!f.remediation?.dueDate && f.remediation.dueDate < today && !['verified', 'risk_accepted'].includes(f.remediation.status),
  }));
  const a = await new AssessmentsService(ctx, deps(req).catalogue).get(id);
  renderPage(req, res, 'findings', {
    title: L.findings_board,
    nav: 'systems',
    assessmentId: id,
    ...(({ items, ...pager }) => ({ findings: items, pager }))(paginate(req, findings)),
    L,
    risk,
    statuses: ['open', 'in_progress', 'fixed', 'verified', 'risk_accepted'].map((key) => ({ key, label: req.t(`report.remediation_status_${key}`) })),
    canEdit: WRITABLE.has(a.status) && new OrganizationScope(ctx.caller).can(a.organizationId, 'edit'),
    error: typeof req.query.error === 'string' ? req.query.error : undefined,
    fieldErrors: fieldErrors(req),
    ...(await hazardBoard(req, id, findings)),
    ...(await verificationBoard(req, id, findings)),
    objects: (await ctx.knex('assessed_objects').where({ system_id: a.systemId }).orderBy('name').select('id', 'name')) as Array<{ id: string; name: string }>,
  });
});

assessmentPagesRouter.get('/assessments/:id/reports', signedIn, async (req, res) => {
  const d = deps(req);
  const id = idOf(req);
  const service = new ReportsService(serviceContext(req), { printer: d.printer, store: d.store, catalogue: d.catalogue, jobs: d.jobs });
  const L = labels(req);
  // The archive as an auditor reads it: when, who asked, what, in which language, how big, its SHA-256.
  const list = await service.list(id);
  const requesters = new Map<string, string>(
    (await serviceContext(req).knex('users').whereIn('id', [...new Set(list.map((r) => r.requestedBy))]).select('id', 'display_name', 'username')).map((u: Record<string, string>) => [u.id!, (u.display_name || u.username)!] as const),
  );
  const reports = list.map((r) => ({
    ...r,
    typeLabel: L[`report_${r.type}`] ?? r.type,
    langLabel: req.t(`enum.report_lang_${r.lang}`, { defaultValue: r.lang }),
    formatLabel: req.t(`enum.report_format_${r.format}`, { defaultValue: r.format }),
    statusLabel: req.t(`enum.job_status_${r.status}`, { defaultValue: r.status }),
    errorLabel: r.status === 'failed' && r.errorCode ? req.t(`errors.${r.errorCode}`, { defaultValue: '' }) : '',
    requestedOn: chinaTime(r.requestedAt),
    requester: requesters.get(r.requestedBy) ?? '',
    sizeLabel: r.size === null ? '' : r.size < 1024 * 1024 ? `${Math.max(1, Math.round(r.size / 1024))} KB` : `${(r.size / 1024 / 1024).toFixed(1)} MB`,
  }));
  renderPage(req, res, 'reports', {
    title: L.reports,
    nav: 'systems',
    assessmentId: id,
    ...(({ items, ...pager }) => ({ reports: items, pager }))(paginate(req, reports)),
    canImport: await (async () => {
      const a = await new AssessmentsService(serviceContext(req), d.catalogue).get(id);
      return WRITABLE.has(a.status) && new OrganizationScope(serviceContext(req).caller).can(a.organizationId, 'edit');
    })(),
    types: ['test_report', 'gap_analysis', 'remediation_plan', 'executive_summary'].map((key) => ({ key, label: L[`report_${key}`] })),
    L,
    // Without JavaScript the page reloads itself while a job is queued or running.
    refreshSeconds: list.some((r) => r.status === 'queued' || r.status === 'running') ? 3 : undefined,
  });
});

/** Queues an evidence pack or a record workbook into the archive (no JavaScript needed: the archive shows its state). */
assessmentPagesRouter.post('/assessments/:id/artefacts', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const body = z.object({ kind: z.enum(['evidence_pack', 'record_workbook']), lang: z.enum(['zh-CN', 'en']).catch('zh-CN') }).parse(req.body);
  await reportsService(req).requestArtefact(id, body.kind, { lang: body.kind === 'record_workbook' ? body.lang : req.lang });
  res.redirect(303, `/assessments/${id}/reports`);
});

/**
 * One job of the archive: its state (the page reloads itself while it runs), then the download
 * link, the translated reason it failed, or — for a workbook import — what was applied.
 */
assessmentPagesRouter.get('/assessments/:id/jobs/:jobId', signedIn, async (req, res) => {
  const id = idOf(req);
  const jobId = z.uuid().parse(req.params.jobId);
  const service = reportsService(req);
  const job = await service.get(jobId);
  if (job.assessmentId !== id) throw new NotFoundError({ resource: 'report', id: jobId });
  const L = labels(req);
  if (job.type === 'workbook_import' && job.status === 'done') {
    const diff = (await importResult(service, jobId)) as Record<string, unknown>;
    return renderPage(req, res, 'workbook-diff', { title: req.t('ui.import_workbook'), nav: 'systems', assessmentId: id, diff, applied: true, canApply: false });
  }
  const failure = job.status === 'failed' ? await service.failure(jobId) : undefined;
  renderPage(req, res, 'job', {
    title: L[`report_${job.type}`] ?? req.t('ui.reports'),
    nav: 'systems',
    assessmentId: id,
    job,
    typeLabel: L[`report_${job.type}`] ?? '',
    statusLabel: req.t(`enum.job_status_${job.status}`, { defaultValue: job.status }),
    errorLabel: failure ? req.t(failure.code === 'job_failed' ? 'ui.job_failed' : `errors.${failure.code}`, { ...failure.params, defaultValue: req.t('ui.job_failed') }) : '',
    pending: job.status === 'queued' || job.status === 'running',
    refreshSeconds: job.status === 'queued' || job.status === 'running' ? 2 : undefined,
  });
});

/** An ISO timestamp as a date and time in China (the archive's "when"). */
const chinaTime = (iso: string) => new Date(new Date(iso).getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');

assessmentPagesRouter.post('/assessments/:id/reports', signedIn, requireCsrf, async (req, res) => {
  const d = deps(req);
  const id = idOf(req);
  const body = z.object({ type: z.enum(['test_report', 'gap_analysis', 'remediation_plan', 'executive_summary']), format: z.enum(['pdf', 'html', 'docx']), lang: z.enum(['zh-CN', 'en']) }).parse(req.body);
  await new ReportsService(serviceContext(req), { printer: d.printer, store: d.store, catalogue: d.catalogue, logger: req.log, jobs: d.jobs }).request(id, body);
  res.redirect(303, `/assessments/${id}/reports`);
});

assessmentPagesRouter.post('/assessments/:id/findings', signedIn, requireCsrf, (req, res) => {
  const id = idOf(req);
  return formAction(req, res, `/assessments/${id}/findings`, async () => {
    const b = req.body as Record<string, string>;
    const units = (b.units ?? '').split(/[\s,，、]+/).map((u) => u.trim().toUpperCase()).filter(Boolean);
    await new FindingsService(serviceContext(req)).create(id, { title: (b.title ?? '').trim(), units, risk: (['high', 'medium', 'low'].includes(b.risk ?? '') ? b.risk : 'medium') as 'medium' });
    return `/assessments/${id}/findings`;
  });
});

/** Workbook import, step 1: keep the uploaded file (content-addressed) and show the dry-run diff. */
assessmentPagesRouter.post('/assessments/:id/workbook-import', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const d = deps(req);
  const ctx = serviceContext(req);
  const workbook = new WorkbookService(ctx);
  await workbook.assertCanImport(id);
  const a = await new AssessmentsService(ctx, d.catalogue).get(id);
  try {
    // Read into memory (20 MB cap) and checked first: only a workbook that can be previewed is
    // kept (content-addressed, for step 2); a refused one leaves nothing behind.
    const buffer = await readWorkbookUpload(req);
    const diff = await workbook.import(id, buffer, { dryRun: true });
    const staged = await d.store.stage(Readable.from([buffer]), buffer.length);
    await staged.commit(a.organizationId);
    // Registered like every stored file, so `evidence verify` and backups cover it.
    await registerWorkbookUpload(d.db, { organizationId: a.organizationId, hash: staged.hash, size: buffer.length, assessmentId: id, userId: ctx.caller.userId, at: now() });
    renderPage(req, res, 'workbook-diff', { title: req.t('ui.import_workbook'), nav: 'systems', assessmentId: id, diff, hash: staged.hash, canApply: !diff.conflicts.length && !diff.problems.length && diff.changed.length > 0 });
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    renderPage(req, res, 'workbook-diff', { title: req.t('ui.import_workbook'), nav: 'systems', assessmentId: id, diff: { changed: [], unchanged: 0, conflicts: [], unmatched: [], problems: err.details.map((x) => ({ message: x.message })) }, error: req.t(`errors.${err.code}`, { ...err.params, defaultValue: err.message }), canApply: false }, err.status);
  }
});

/**
 * Workbook import, step 2: the previewed file's apply is queued (all or nothing, in the job);
 * the request waits for it a little, then shows the job's page (its result when done).
 */
assessmentPagesRouter.post('/assessments/:id/workbook-apply', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const d = deps(req);
  const hash = z.string().regex(/^[0-9a-f]{64}$/).parse((req.body as Record<string, string>).hash);
  const a = await new AssessmentsService(serviceContext(req), d.catalogue).get(id);
  if ((await d.store.verify(a.organizationId, hash)) !== 'ok') return res.redirect(303, `/assessments/${id}/reports`);
  const service = reportsService(req);
  const job = await service.requestArtefact(id, 'workbook_import', { lang: req.lang, inputHash: hash });
  await service.wait(job.id, Math.min(30, d.config.jobs.waitSeconds) * 1000);
  res.redirect(303, `/assessments/${id}/jobs/${job.id}`);
});

const findingBoard = async (req: Request, findingId: string) => `/assessments/${(await new FindingsService(serviceContext(req)).get(findingId)).assessmentId}/findings`;

/** Confirm or dismiss the suggested high-risk case of a finding (dismissing needs a reason). */
assessmentPagesRouter.post('/findings/:id/high-risk', signedIn, requireCsrf, async (req, res) => {
  const id = z.uuid().parse(req.params.id);
  const back = await findingBoard(req, id);
  return formAction(req, res, back, async () => {
    const b = req.body as Record<string, string>;
    const action = b.action === 'confirm' ? 'confirm' : 'dismiss';
    await new FindingsService(serviceContext(req)).update(id, { rowVersion: Number(b.rowVersion), highRisk: { action, reason: b.reason?.trim() || undefined } });
    return back;
  });
});

/** Update a finding's remediation (status, owner, due date, reason). */
assessmentPagesRouter.post('/findings/:id/remediation', signedIn, requireCsrf, async (req, res) => {
  const id = z.uuid().parse(req.params.id);
  const back = await findingBoard(req, id);
  return formAction(req, res, back, async () => {
    const b = req.body as Record<string, string>;
    await new FindingsService(serviceContext(req)).remediate(id, {
      status: b.status as never,
      owner: b.owner?.trim() || null,
      dueDate: /^\d{4}-\d{2}-\d{2}$/.test(b.dueDate ?? '') ? b.dueDate! : null,
      reason: b.reason?.trim() || null,
    });
    return back;
  });
});
