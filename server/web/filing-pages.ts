import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { OrganizationScope } from '../context.js';
import { AppError, ValidationError } from '../errors.js';
import { serviceContext } from '../http/request.js';
import { filingFormSchema, inspectionFields } from '../routes/filing.js';
import { FilingService, type FilingForm } from '../systems/filing.js';
import { InspectionsService } from '../systems/inspections.js';
import { SystemsService } from '../systems/service.js';
import { requireCsrf } from './csrf.js';
import { formBody, formRows, given, parseForm } from './form-parse.js';
import { detailText } from './page-errors.js';
import { renderPage, signedIn } from './render.js';
import { systemIdOf } from './system-page.js';
import { failureSummary, systemForm } from './system-pages.js';

/**
 * The filing's own page: the 备案表 fields (unit, address, credit code, responsible person, contacts,
 * system, business, service scope), and the filing organ's answer "returned" with its reason. The
 * fields are checked with the API's schema; the filing service checks permission and status rules.
 * Also the inspection's rectified date (监督检查 整改完成日期), a form on the system page.
 */
export const filingPagesRouter = Router();

const CONTACT_FIELDS = ['name', 'role', 'phone', 'email'] as const;
const TEXT_FIELDS = ['organizationName', 'address', 'creditCode', 'responsiblePerson', 'systemName', 'businessDescription', 'serviceScope'] as const;
/** Blank contact rows offered after the stored ones (more after saving). */
const BLANK_ROWS = 2;

interface Failed {
  form: 'form' | 'return';
  values: Record<string, unknown>;
  error: string;
  fieldErrors: Record<string, string>;
}

const sid = (req: Request): string => {
  const id = systemIdOf(req);
  // An id that is no id: the system does not exist (the page answers 404 like the API).
  return id ?? '00000000-0000-4000-8000-000000000000';
};

export async function renderFilingPage(req: Request, res: Response, systemId: string, failed?: Failed, status = 200): Promise<void> {
  const ctx = serviceContext(req);
  const system = await new SystemsService(ctx).get(systemId);
  const filing = await new FilingService(ctx).get(systemId);
  const can = { manage: new OrganizationScope(ctx.caller).can(system.organizationId, 'manage') };
  const form: FilingForm = failed?.form === 'form' ? (failed.values.form as FilingForm) : filing.form;
  const contacts = [...(form.contacts ?? []).map((c) => ({ name: c.name ?? '', role: c.role ?? '', phone: c.phone ?? '', email: c.email ?? '' }))];
  for (let i = 0; i < BLANK_ROWS; i++) contacts.push({ name: '', role: '', phone: '', email: '' });
  const fe = failed?.fieldErrors ?? {};
  renderPage(
    req,
    res,
    'filing',
    {
      title: `${req.t('sysforms.filing_form')} · ${system.name}`,
      nav: 'systems',
      system,
      can,
      filing: {
        ...filing,
        statusLabel: filing.stored ? req.t(`enum.filing_status_${filing.status}`) : req.t('flow.filing_not_started'),
        canReturn: can.manage && filing.status === 'submitted',
      },
      fields: TEXT_FIELDS.map((key) => ({
        key,
        label: req.t(`sysforms.field_${key}`),
        hint: key === 'creditCode' ? req.t('sysforms.hint_creditCode') : '',
        long: key === 'businessDescription' || key === 'serviceScope',
        max: { organizationName: 200, address: 300, creditCode: 18, responsiblePerson: 100, systemName: 200, businessDescription: 5000, serviceScope: 1000 }[key],
        value: form[key] ?? '',
        error: fe[key] ?? '',
      })),
      contacts: contacts.map((c, i) => ({ ...c, i, errors: Object.fromEntries(CONTACT_FIELDS.map((f) => [f, fe[`contacts.${i}.${f}`] ?? ''])) })),
      contactsError: fe.contacts ?? '',
      returnReason: failed?.form === 'return' ? String(failed.values.returnReason ?? '') : (filing.returnReason ?? ''),
      returnError: fe.returnReason ?? '',
      failedForm: failed?.form ?? null,
      error: failed?.error ?? null,
    },
    status,
  );
}

/** Runs a form of the filing page; a refusal renders the page again with what was typed and the errors beside their fields. */
async function filingForm(req: Request, res: Response, form: Failed['form'], values: () => Record<string, unknown>, action: () => Promise<void>): Promise<void> {
  const systemId = sid(req);
  try {
    await action();
    res.redirect(303, `/systems/${systemId}/filing`);
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    const fieldErrors: Record<string, string> = {};
    for (const d of err.details) if (d.path) fieldErrors[d.path.replace(/^form\./, '')] ??= detailText(req, d);
    for (const d of err.details) if (d.path) fieldErrors[d.path.replace(/^form\./, '').split('.')[0]!] ??= detailText(req, d);
    // A refusal before anything was read (another organisation's system: 404) is the error page.
    if (err.status === 404) throw err;
    await renderFilingPage(req, res, systemId, { form, values: values(), error: failureSummary(req, err), fieldErrors }, err.status);
  }
}

/** The 备案表 fields as typed: text fields and the contact rows (blank rows dropped). */
function typedForm(req: Request): FilingForm {
  const b = formBody(req);
  const form: Record<string, unknown> = {};
  for (const k of TEXT_FIELDS) form[k] = (b[k] ?? '').trim();
  form.contacts = formRows(b, 'contacts', CONTACT_FIELDS, 20);
  return form as FilingForm;
}

filingPagesRouter.get('/systems/:id/filing', signedIn, async (req, res) => {
  const id = systemIdOf(req);
  if (!id) return res.redirect(303, '/systems');
  await renderFilingPage(req, res, id);
});

/** Saves the 备案表 fields; the status, dates and attachments stay as they are. */
filingPagesRouter.post('/systems/:id/filing/form', signedIn, requireCsrf, (req, res) =>
  filingForm(
    req,
    res,
    'form',
    () => ({ form: typedForm(req) }),
    async () => {
      await new SystemsService(serviceContext(req)).load(sid(req), 'manage'); // permission before the body
      const typed = typedForm(req);
      const form = parseForm(req, filingFormSchema, { ...typed, contacts: typed.contacts?.length ? typed.contacts.map((c) => given(c as Record<string, string>)) : undefined }, { creditCode: 'credit_code' });
      const service = new FilingService(serviceContext(req));
      const f = await service.get(sid(req));
      await service.put(sid(req), { form, status: f.status, filingOrgan: f.filingOrgan, submittedOn: f.submittedOn, certificateNumber: f.certificateNumber, certificateDate: f.certificateDate, returnReason: f.returnReason });
    },
  ),
);

/** The filing organ returned the filing (退回), with its reason; the officer corrects and submits again. */
filingPagesRouter.post('/systems/:id/filing/return', signedIn, requireCsrf, (req, res) =>
  filingForm(
    req,
    res,
    'return',
    () => ({ returnReason: formBody(req).returnReason ?? '' }),
    async () => {
      await new SystemsService(serviceContext(req)).load(sid(req), 'manage'); // permission before the body
      const service = new FilingService(serviceContext(req));
      const f = await service.get(sid(req));
      if (!formBody(req).returnReason?.trim()) throw new ValidationError({}, [{ path: 'returnReason', code: 'required', message: 'required when the filing is returned', rule: 'required_when_returned' }]);
      const { returnReason } = parseForm(req, z.strictObject({ returnReason: z.string().trim().min(1).max(500) }), { returnReason: formBody(req).returnReason?.trim() });
      await service.put(sid(req), { form: f.form, status: 'returned', filingOrgan: f.filingOrgan, submittedOn: f.submittedOn, returnReason });
    },
  ),
);

/** An inspection's rectified date (整改完成日期), or cleared; on the system page next to the inspection. */
filingPagesRouter.post('/systems/:id/inspections/:iid/rectified', signedIn, requireCsrf, (req, res) => {
  const systemId = sid(req);
  const iid = z.uuid().safeParse(req.params.iid).data ?? '00000000-0000-4000-8000-000000000000';
  return systemForm(req, res, systemId, `inspection-${iid}`, async () => {
    await new SystemsService(serviceContext(req)).load(systemId, 'manage'); // permission before the body
    const input = parseForm(req, z.strictObject({ rectifiedOn: inspectionFields.rectifiedOn }), { rectifiedOn: formBody(req).rectifiedOn });
    await new InspectionsService(serviceContext(req)).update(systemId, iid, { rectifiedOn: input.rectifiedOn ?? null });
    return `/systems/${systemId}#inspections`;
  });
});
