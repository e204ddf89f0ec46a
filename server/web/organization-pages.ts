import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { ReportTemplatesService, TEMPLATE_MAX_BYTES } from '../../reports/docx/template/service.js';
import { can, OrganizationScope } from '../context.js';
import { AppError, NotFoundError, ValidationError, type ErrorDetail } from '../errors.js';
import { toAppError } from '../http/error-handler.js';
import { deps, serviceContext } from '../http/request.js';
import { readSmallUpload } from '../http/small-upload.js';
import { patchBody } from '../routes/organizations.js';
import { OrganizationsService } from '../services/organizations.js';
import { seesAdminPage } from './admin-pages.js';
import { requireCsrf } from './csrf.js';
import { errorsByField, formSummary, parseFormWith, textFields } from './form-values.js';
import { errorText } from './page-errors.js';
import { renderPage, signedIn } from './render.js';

/**
 * An organisation's own page: its details (officers edit them, with the API's schema) and its
 * Word report templates (members list and download them; officers upload a new one or a new
 * version of one under the same name). Templates are not deleted: an archived report records
 * the version it was filled on, so every version stays readable.
 */
export const organizationPagesRouter = Router();

/** A form that failed: which one, what was typed, and the errors to show next to its fields. */
interface FailedOrgForm {
  form: 'details' | 'template';
  values: Record<string, unknown>;
  error: string;
  fieldErrors: Record<string, string>;
  problems?: Array<{ text: string; where: string }>;
}

const orgId = (req: Request): string => {
  const parsed = z.uuid().safeParse(req.params.id);
  if (!parsed.success) throw new NotFoundError({ resource: 'organization', id: String(req.params.id) });
  return parsed.data;
};

const sizeLabel = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);

async function renderOrganization(req: Request, res: Response, id: string, failed?: FailedOrgForm, status = 200): Promise<void> {
  const ctx = serviceContext(req);
  const org = await new OrganizationsService(ctx).get(id); // 404 for anyone who may not read it
  const manages = new OrganizationScope(ctx.caller).can(id, 'manage');
  const templates = (await new ReportTemplatesService(ctx, deps(req).store).list(id)).map((t) => ({
    ...t,
    versions: [...t.versions].reverse().map((v) => ({ ...v, sizeLabel: sizeLabel(v.size), uploadedOn: v.uploadedAt.slice(0, 10), fieldCount: v.fields.length })),
  }));
  const typed = (form: FailedOrgForm['form']) => (failed?.form === form ? failed.values : undefined);
  renderPage(
    req,
    res,
    'organization',
    {
      title: org.name,
      nav: 'admin',
      org,
      details: typed('details') ?? org,
      templateValues: typed('template') ?? {},
      templates,
      can: { edit: manages || can(ctx.caller, 'organizations.manage'), upload: manages, admin: seesAdminPage(ctx.caller) },
      failed,
      saved: req.query.saved === '1',
      uploaded: typeof req.query.uploaded === 'string' ? req.query.uploaded : undefined,
      O: req.t('org_admin', { returnObjects: true }),
    },
    status,
  );
}

organizationPagesRouter.get('/organizations/:id', signedIn, async (req, res) => {
  await renderOrganization(req, res, orgId(req));
});

/** Runs an organisation form; a 4xx renders the page again with what was typed and each field's error. */
async function orgForm(req: Request, res: Response, form: FailedOrgForm['form'], values: () => Record<string, unknown>, action: () => Promise<string>): Promise<void> {
  const id = orgId(req);
  try {
    res.redirect(303, await action());
  } catch (thrown) {
    const err = thrown instanceof AppError ? thrown : toAppError(thrown);
    if (err.status >= 500 || err.status === 404 || err.status === 403) throw thrown; // an error page: nothing of theirs to keep
    const problems = err.code === 'template_invalid' ? err.details.map((d) => templateProblem(req, d)) : undefined;
    const error = err.code === 'template_invalid' ? errorText(req, err).replace(/[，,][^，,]*details.*$/, '') : formSummary(req, err);
    await renderOrganization(req, res, id, { form, values: values(), error, fieldErrors: errorsByField(req, err.code === 'template_invalid' ? [] : err.details), problems }, err.status);
  }
}

/** One refused placeholder in words: what is wrong with which tag, and where it is in the document. */
function templateProblem(req: Request, d: ErrorDetail): { text: string; where: string } {
  const t = req.t as (key: string, opts?: Record<string, unknown>) => string;
  const pos = (d as ErrorDetail & { position?: { file: string; offset: number | null }; context?: string }).position;
  const context = (d as { context?: string }).context;
  const text = t(`org_admin.problem_${d.code}`, { tag: d.path, defaultValue: t('org_admin.problem_syntax', { tag: d.path }) });
  const where = pos?.file ? t(pos.offset === null ? 'org_admin.problem_in' : 'org_admin.problem_at', { file: pos.file, offset: pos.offset }) : '';
  return { text, where: context ? `${where} … ${context} …` : where };
}

organizationPagesRouter.post('/organizations/:id/edit', signedIn, requireCsrf, (req, res) => {
  const b = textFields(req);
  const typed = { name: b.name ?? '', nameEn: b.nameEn ?? '', creditCode: b.creditCode ?? '', address: b.address ?? '' };
  return orgForm(req, res, 'details', () => typed, async () => {
    const id = orgId(req);
    const patch = parseFormWith(req, patchBody, typed, ['nameEn', 'creditCode', 'address']);
    if (patch.name === undefined) throw new ValidationError({}, [{ path: 'name', code: 'required', message: req.t('org_admin.name_required') }]);
    await new OrganizationsService(serviceContext(req)).update(id, patch);
    return `/organizations/${id}?saved=1`;
  });
});

/** A template upload (multipart; the CSRF token is in the action URL): a new template, or a new version under the same name. */
organizationPagesRouter.post('/organizations/:id/report-templates', signedIn, requireCsrf, async (req, res) => {
  const id = orgId(req);
  const svc = new ReportTemplatesService(serviceContext(req), deps(req).store);
  svc.assertCanUpload(id); // before the body is read
  let name = '';
  await orgForm(req, res, 'template', () => ({ name }), async () => {
    const upload = await readSmallUpload(req, TEMPLATE_MAX_BYTES);
    name = (upload.fields.name ?? '').trim() || (upload.clientName?.replace(/\.docx$/i, '') ?? '').trim();
    if (!upload.file.length) throw new ValidationError({}, [{ path: 'file', code: 'required', message: req.t('org_admin.file_required') }]);
    if (!name || name.length > 200) throw new ValidationError({}, [{ path: 'name', code: 'required', message: req.t('org_admin.template_name_rule') }]);
    const saved = await svc.upload(id, name, upload.file, upload.clientName);
    return `/organizations/${id}?uploaded=${saved.latestVersion}#templates`;
  });
});
