import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { inheritanceReasonText } from '../cloud/inheritance-reason.js';
import { OrganizationScope } from '../context.js';
import { ExtraItemsService, extraItemFields } from '../assessments/extra-items.js';
import { OutsideRowsService } from '../assessments/outside-rows.js';
import { AssessmentsService, WRITABLE } from '../assessments/service.js';
import { AppError, ValidationError, type ErrorDetail } from '../errors.js';
import { deps, serviceContext } from '../http/request.js';
import { parseForm } from './form-issues.js';
import { patchAssessmentsIdExtraItemsCodeBody, postAssessmentsIdExtraItemsBody } from '../routes/extra-items.js';
import { postAssessmentsIdResultsOutsideMappingBody } from '../routes/assessments.js';
import { requireCsrf } from './csrf.js';
import { errorText } from './page-errors.js';
import { renderPage, signedIn } from './render.js';

/**
 * An assessment's items outside the workspace's catalogue rows: the assessor's own items (X-…) to
 * list, add, edit and remove; re-applying the platform's inheritance; and the result rows outside
 * the default object mapping, listed with a way to remove each. Forms post and redirect; a refused
 * one comes back as typed with its errors next to the fields.
 */
export const assessmentItemsRouter = Router();

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
const idOf = (req: Request) => {
  const parsed = z.uuid().safeParse(req.params.id);
  if (!parsed.success) throw new ValidationError({}, [{ path: 'id', code: 'invalid_id', message: 'not an id' }]);
  return parsed.data;
};
const page = (id: string, anchor = '') => `/assessments/${id}/items${anchor}`;

interface Failed {
  form: string;
  values: Record<string, unknown>;
  fieldErrors: Record<string, string>;
  error: string;
}

function fieldText(req: Request, d: ErrorDetail, form: string): string {
  if (d.path === 'code' && (d.code === 'invalid_format' || d.code === 'custom')) return req.t(form.startsWith('outside') ? 'assessment_items.unit_invalid' : 'assessment_items.code_invalid');
  if (d.code === 'out_of_scope') return req.t('assessment_items.problem_out_of_scope');
  if (d.code === 'unknown_object') return req.t('assessment_items.problem_unknown_object');
  return req.t(`assessment_items.problem_${d.code}`, { defaultValue: d.message });
}

/** Inheritance reasons in the page's language (the stored reason is an English sentence). */
export const inheritanceReason = (req: Request, reason: string | null): string => inheritanceReasonText(req.t, reason);

async function renderItems(req: Request, res: Response, id: string, failed?: Failed, status = 200): Promise<void> {
  const ctx = serviceContext(req);
  const a = await new AssessmentsService(ctx, deps(req).catalogue).get(id);
  const can = { edit: WRITABLE.has(a.status) && new OrganizationScope(ctx.caller).can(a.organizationId, 'edit') };
  const valueLabel = (v: string | null) => (v ? req.t(`ui.value_${v}`) : req.t('ui.value_not_assessed'));
  const typed = (form: string) => (failed?.form === form ? failed.values : undefined);
  const items = (await new ExtraItemsService(ctx).list(id)).map((x) => {
    const t = typed(`edit-${x.code}`);
    return {
      ...x,
      valueLabel: valueLabel(x.value),
      edit: { title: t ? str(t.title) : x.title, requirement: t ? str(t.requirement) : (x.requirement ?? ''), source: t ? str(t.source) : (x.source ?? '') },
      errors: failed?.form === `edit-${x.code}` ? failed.fieldErrors : {},
    };
  });
  const system = await ctx.knex('systems').where({ id: a.systemId }).first('name', 'platform_id');
  const outside = await ctx.knex('assessment_results').where({ assessment_id: id, outside_mapping: true }).orderBy(['code', 'object_key']).select('id', 'code', 'object_key', 'value');
  // object_key is text ('system' or an id), the objects' id a uuid on PostgreSQL: names looked up apart.
  const names = new Map((await ctx.knex('assessed_objects').where({ system_id: a.systemId }).select('id', 'name')).map((o: Record<string, string>) => [o.id, o.name]));
  const add = typed('add') ?? {};
  const outsideAdd = typed('outside-add') ?? {};
  const objects = await ctx.knex('assessed_objects').where({ system_id: a.systemId, selected: true }).orderBy('name').select('id', 'name');
  const inheritance = a.inheritance as { state: string; reason: string | null; inheritedUnits: number; checkedAt?: string } | null;
  renderPage(
    req,
    res,
    'assessment-items',
    {
      title: req.t('assessment_items.title'),
      nav: 'systems',
      assessment: a,
      systemName: system?.name ?? '',
      can,
      items,
      add: { code: str(add.code), title: str(add.title), requirement: str(add.requirement), source: str(add.source) },
      addErrors: failed?.form === 'add' ? failed.fieldErrors : {},
      outside: outside.map((r: Record<string, string>) => ({
        ...r,
        objectName: r.object_key === 'system' ? req.t('ui.whole_system') : (names.get(r.object_key!) ?? ''),
        valueLabel: valueLabel(r.value === 'not_assessed' ? null : (r.value ?? null)),
        href: `/assessments/${id}#r-${r.id}`,
      })),
      outsideAdd: { code: str(outsideAdd.code), objectId: str(outsideAdd.objectId) },
      outsideAddErrors: failed?.form === 'outside-add' ? failed.fieldErrors : {},
      objects,
      onPlatform: !!system?.platform_id,
      inheritance: inheritance
        ? { stateLabel: req.t(`assessment_items.inherit_state_${inheritance.state}`), reason: inheritanceReason(req, inheritance.reason), units: inheritance.inheritedUnits, stale: inheritance.state === 'stale' }
        : null,
      error: failed?.error,
    },
    status,
  );
}

async function itemsForm(req: Request, res: Response, id: string, form: string, action: () => Promise<string>): Promise<void> {
  try {
    res.redirect(303, await action());
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    const fieldErrors: Record<string, string> = {};
    for (const d of err.details) if (d.path) fieldErrors[d.path.split('.')[0]!] ??= fieldText(req, d, form);
    const error = Object.keys(fieldErrors).length ? req.t('assessment_items.fix_fields') : errorText(req, err);
    await renderItems(req, res, id, { form, values: { ...(req.body as Record<string, unknown>) }, fieldErrors, error }, err.status);
  }
}

/** Tenancy, permission and a writable assessment first (404 / 403 / 409), then the body. */
const writable = (req: Request, id: string) => new AssessmentsService(serviceContext(req)).loadWritable(id);
const orNull = (v: unknown) => str(v) || null;

assessmentItemsRouter.get('/assessments/:id/items', signedIn, async (req, res) => {
  await renderItems(req, res, idOf(req));
});

assessmentItemsRouter.post('/assessments/:id/items/extra', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const b = (req.body ?? {}) as Record<string, unknown>;
  await itemsForm(req, res, id, 'add', async () => {
    await writable(req, id);
    const input = parseForm(req, postAssessmentsIdExtraItemsBody, { code: str(b.code).toUpperCase().replace(/^X-/i, 'X-'), title: b.title, requirement: orNull(b.requirement), source: orNull(b.source) });
    const created = await new ExtraItemsService(serviceContext(req)).create(id, input);
    return page(id, `#x-${created.code}`);
  });
});

assessmentItemsRouter.post('/assessments/:id/items/extra/:code', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const code = parseForm(req, z.object({ code: extraItemFields.code }), req.params).code;
  const b = (req.body ?? {}) as Record<string, unknown>;
  await itemsForm(req, res, id, `edit-${code}`, async () => {
    await writable(req, id);
    const patch = parseForm(req, patchAssessmentsIdExtraItemsCodeBody, { title: b.title, requirement: orNull(b.requirement), source: orNull(b.source) });
    await new ExtraItemsService(serviceContext(req)).update(id, code, patch);
    return page(id, `#x-${code}`);
  });
});

assessmentItemsRouter.post('/assessments/:id/items/extra/:code/remove', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const code = parseForm(req, z.object({ code: extraItemFields.code }), req.params).code;
  await itemsForm(req, res, id, `remove-${code}`, async () => {
    await writable(req, id);
    await new ExtraItemsService(serviceContext(req)).remove(id, code);
    return page(id, '#extra');
  });
});

/** Re-apply inheritance from the system's platform (POST /assessments/:id/inherit). */
assessmentItemsRouter.post('/assessments/:id/items/inherit', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  await itemsForm(req, res, id, 'inherit', async () => {
    await new AssessmentsService(serviceContext(req), deps(req).catalogue).inherit(id);
    return page(id, '#inheritance');
  });
});

/** Remove a row outside the default object mapping (DELETE /assessments/:id/results/outside-mapping). */
assessmentItemsRouter.post('/assessments/:id/items/outside-remove', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const b = (req.body ?? {}) as Record<string, unknown>;
  await itemsForm(req, res, id, 'outside', async () => {
    await writable(req, id);
    const row = parseForm(req, postAssessmentsIdResultsOutsideMappingBody, { code: b.code, objectId: b.objectId });
    await new OutsideRowsService(serviceContext(req)).remove(id, row.code, row.objectId && row.objectId !== 'system' ? row.objectId : null);
    return page(id, '#outside');
  });
});

/** Add a row outside the default mapping (POST /assessments/:id/results/outside-mapping). */
assessmentItemsRouter.post('/assessments/:id/items/outside-add', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const b = (req.body ?? {}) as Record<string, unknown>;
  await itemsForm(req, res, id, 'outside-add', async () => {
    await writable(req, id);
    const row = parseForm(req, postAssessmentsIdResultsOutsideMappingBody, { code: str(b.code).toUpperCase(), objectId: str(b.objectId) || 'system' });
    await new OutsideRowsService(serviceContext(req)).add(id, row.code, row.objectId && row.objectId !== 'system' ? row.objectId : null);
    return page(id, '#outside');
  });
});
