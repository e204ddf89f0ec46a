import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { FindingsService } from '../assessments/findings.js';
import { AppError, ValidationError, type ErrorDetail } from '../errors.js';
import { serviceContext } from '../http/request.js';
import { parseForm } from './form-issues.js';
import { findingFields } from '../routes/assessments.js';
import { requireCsrf } from './csrf.js';
import { renderFinding, type FailedFindingForm } from './finding-pages.js';
import { errorText } from './page-errors.js';
import { signedIn } from './render.js';

/**
 * Editing and deleting a finding from its page (PATCH and DELETE /findings/:id as forms). The
 * finding's number is never touched: deleting one leaves the others' numbers as they were, and the
 * deleted number is not given again (numbering.ts).
 */
export const findingFormsRouter = Router();

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
const nullable = (v: unknown) => str(v) || null;

/** The edit form's schema: the API's finding fields, units typed as a list, the row version it was read at. */
export const findingEditForm = z.strictObject({
  title: findingFields.title,
  description: findingFields.description,
  units: findingFields.units,
  threat: findingFields.threat,
  harm: findingFields.harm,
  risk: findingFields.risk,
  recommendation: findingFields.recommendation,
  rowVersion: z.coerce.number().int().min(1),
});

function fieldText(req: Request, d: ErrorDetail): string {
  // A unit code that is not one (the API's regex message is English).
  if (d.path?.startsWith('units') && (d.code === 'invalid_format' || d.code === 'custom')) return req.t('finding_forms.unit_invalid');
  if (d.path === 'risk') return req.t('finding.risk_required');
  return req.t(`finding_forms.problem_${d.code}`, { defaultValue: d.message });
}

async function findingForm(req: Request, res: Response, id: string, form: FailedFindingForm['form'], action: () => Promise<string>): Promise<void> {
  try {
    res.redirect(303, await action());
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    const fieldErrors: Record<string, string> = {};
    for (const d of err.details) if (d.path && d.code !== 'stale_row_version') fieldErrors[d.path.split('.')[0]!] ??= fieldText(req, d);
    const error = Object.keys(fieldErrors).length ? req.t('finding_forms.fix_fields') : errorText(req, err);
    const values = { ...(req.body as Record<string, unknown>) };
    // Someone else saved first: the form comes back as typed over their version, so a second submit is a deliberate overwrite.
    if (err.details.some((d) => d.code === 'stale_row_version')) delete values.rowVersion;
    await renderFinding(req, res, id, { form, values, fieldErrors, error }, err.status);
  }
}

const idOf = (req: Request) => {
  const parsed = z.uuid().safeParse(req.params.id);
  if (!parsed.success) throw new ValidationError({}, [{ path: 'id', code: 'invalid_id', message: 'not an id' }]);
  return parsed.data;
};

findingFormsRouter.post('/findings/:id/edit', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const b = (req.body ?? {}) as Record<string, unknown>;
  await findingForm(req, res, id, 'edit', async () => {
    const svc = new FindingsService(serviceContext(req));
    await svc.assertCanChange(id); // 404 / 403 / 409 (read-only assessment) before the body
    const patch = parseForm(req, findingEditForm, {
      title: b.title,
      description: nullable(b.description),
      units: str(b.units).split(/[\s,，、;；]+/).map((u) => u.toUpperCase()).filter(Boolean),
      threat: nullable(b.threat),
      harm: nullable(b.harm),
      risk: b.risk,
      recommendation: nullable(b.recommendation),
      rowVersion: b.rowVersion,
    });
    await svc.update(id, patch);
    return `/findings/${id}`;
  });
});

/** Delete a finding (confirmed with a tick); the board is where the user lands, numbers unchanged. */
findingFormsRouter.post('/findings/:id/delete', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const b = (req.body ?? {}) as Record<string, unknown>;
  await findingForm(req, res, id, 'delete', async () => {
    const svc = new FindingsService(serviceContext(req));
    const f = await svc.assertCanChange(id);
    if (b.confirm !== 'yes') throw new ValidationError({}, [{ path: 'confirm', code: 'required', message: req.t('finding_forms.confirm_required') }]);
    await svc.remove(id);
    return `/assessments/${f.assessmentId}/findings`;
  });
});
