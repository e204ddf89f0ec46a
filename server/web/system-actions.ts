import { Router, type Request } from 'express';
import { z } from 'zod';
import { ObjectsService } from '../assessments/objects.js';
import { parsePastedObjects } from '../assessments/object-paste.js';
import { AssessmentsService, ASSESSMENT_KINDS, ASSESSMENT_STATUSES } from '../assessments/service.js';
import { OrganizationScope } from '../context.js';
import { ValidationError } from '../errors.js';
import { EvidenceRequestsService } from '../evidence/requests.js';
import { deps, serviceContext } from '../http/request.js';
import { assessmentFields, objectFields } from '../routes/assessments.js';
import { date, patchSystemBody } from '../routes/systems.js';
import { LIFECYCLE_STATES } from '../systems/lifecycle.js';
import { SystemsService } from '../systems/service.js';
import { requireCsrf } from './csrf.js';
import { formBody, formRows, given, parseForm } from './form-parse.js';
import { signedIn } from './render.js';
import { renderSystemPage, systemIdOf } from './system-page.js';
import { systemForm } from './system-pages.js';

/**
 * The system page's next actions as forms (no dead ends): assessed objects (one, many pasted, edit,
 * remove), lifecycle moves, assessments (create, move, conclusion override) and evidence requests.
 * Fields are checked with the API's own zod schemas; services check tenancy and permission.
 */
export const systemActionsRouter = Router();

const body = formBody;
const sid = (req: Request) => {
  const id = systemIdOf(req);
  if (!id) throw new ValidationError({ location: 'params' }, [{ path: 'params.id', code: 'invalid_format', message: 'not an id' }]);
  return id;
};
const idParam = (req: Request) => z.uuid().parse(req.params.id);
const objectForm = (req: Request) => {
  const b = body(req);
  return { category: b.category, name: b.name, ip: b.ip?.trim() || null, version: b.version?.trim() || null, importance: b.importance };
};

// ---- assessed objects ----
systemActionsRouter.post('/systems/:id/objects', signedIn, requireCsrf, (req, res) =>
  systemForm(req, res, sid(req), 'object', async () => {
    const input = parseForm(req, z.strictObject(objectFields), objectForm(req));
    await new ObjectsService(serviceContext(req)).create(sid(req), [input]);
    return `/systems/${sid(req)}#objects`;
  }),
);

/** Rows pasted from Excel: every line checked first; one bad line and nothing is saved. */
systemActionsRouter.post('/systems/:id/objects/bulk', signedIn, requireCsrf, async (req, res) => {
  const systemId = sid(req);
  const service = new ObjectsService(serviceContext(req));
  await service.list(systemId); // tenancy first (404), before judging the rows
  const cats = deps(req).catalogue.meta.objectCategories.filter((c) => c.code !== 'system');
  const { objects, errors } = parsePastedObjects(String(body(req).rows ?? ''), cats);
  if (errors.length || !objects.length) {
    const lineErrors = errors.length
      ? errors.map((e) => ({ line: e.line, text: e.text, message: req.t(`field_errors.${e.rule}`, e.params) }))
      : [{ line: 1, text: '', message: req.t('field_errors.paste_empty') }];
    return renderSystemPage(req, res, systemId, { form: 'objects-bulk', values: { rows: body(req).rows ?? '' }, error: req.t('flow.paste_refused', { count: lineErrors.length }), fieldErrors: {}, lineErrors }, 400);
  }
  await systemForm(req, res, systemId, 'objects-bulk', async () => {
    await service.create(systemId, objects);
    return `/systems/${systemId}?added=${objects.length}#objects`;
  });
});

systemActionsRouter.post('/objects/:id/edit', signedIn, requireCsrf, async (req, res) => {
  const ctx = serviceContext(req);
  const row = await new OrganizationScope(ctx.caller).query(ctx.knex, 'assessed_objects').where('assessed_objects.id', idParam(req)).first('system_id');
  const systemId = row?.system_id ?? '00000000-0000-4000-8000-000000000000';
  await systemForm(req, res, systemId, `object-${req.params.id}`, async () => {
    const input = parseForm(req, z.strictObject(objectFields).partial(), { ...objectForm(req), selected: body(req).selected === '1' });
    await new ObjectsService(ctx).update(idParam(req), input);
    return `/systems/${systemId}#objects`;
  });
});

systemActionsRouter.post('/objects/:id/remove', signedIn, requireCsrf, async (req, res) => {
  const ctx = serviceContext(req);
  const row = await new OrganizationScope(ctx.caller).query(ctx.knex, 'assessed_objects').where('assessed_objects.id', idParam(req)).first('system_id');
  const systemId = row?.system_id ?? '00000000-0000-4000-8000-000000000000';
  await systemForm(req, res, systemId, `object-${req.params.id}`, async () => {
    await new ObjectsService(ctx).remove(idParam(req));
    return `/systems/${systemId}#objects`;
  });
});

// ---- the system itself and its lifecycle ----
/**
 * The system's details: name, description, business type, owner, deployment and cloud platform,
 * extension sets and contacts (rows; a blank row is dropped). Checked with the API's PATCH schema.
 */
systemActionsRouter.post('/systems/:id/edit', signedIn, requireCsrf, (req, res) =>
  systemForm(req, res, sid(req), 'system', async () => {
    await new SystemsService(serviceContext(req)).load(sid(req), 'manage'); // permission before the body
    const b = body(req);
    const deployment = b.deployment || undefined;
    // A post without the contact rows or the deployment (an older form) leaves those as stored.
    const hasContacts = Object.keys(b).some((k) => k.startsWith('contacts['));
    const contacts = hasContacts ? formRows(b, 'contacts', ['name', 'role', 'phone', 'email'] as const, 20).map(given) : undefined;
    const input = parseForm(req, patchSystemBody, {
      name: b.name?.trim(),
      description: b.description?.trim() || null,
      businessType: b.businessType === undefined ? undefined : b.businessType.trim() || null,
      owner: b.owner === undefined ? undefined : b.owner.trim() || null,
      deployment,
      // The platform goes with a cloud deployment (the service refuses one on premises).
      platformId: b.platformId === undefined ? undefined : b.platformId || null,
      contacts,
      // The cloud extension follows the deployment, as when the system was created.
      extensions: deployment ? { cloud: deployment === 'cloud', mobile: b.ext_mobile === '1', iot: b.ext_iot === '1', ics: b.ext_ics === '1', bigData: b.ext_bigData === '1' } : undefined,
    });
    await new SystemsService(serviceContext(req)).update(sid(req), input);
    return `/systems/${sid(req)}`;
  }),
);

/** Archives the system (归档/停用): kept with its records, read-only; one still in grading and never filed is deleted. */
systemActionsRouter.post('/systems/:id/archive', signedIn, requireCsrf, (req, res) =>
  systemForm(req, res, sid(req), 'archive', async () => {
    await new SystemsService(serviceContext(req)).load(sid(req), 'manage'); // permission before the body
    if (body(req).confirm !== '1') throw new ValidationError({}, [{ path: 'confirm', code: 'required', message: 'confirm archiving', rule: 'confirm_archive' }]);
    const done = await new SystemsService(serviceContext(req)).remove(sid(req));
    return done.deleted ? '/systems' : `/systems/${sid(req)}`;
  }),
);

/** A move the rules allow, or (officers) a forced one with its reason, recorded as forced. */
systemActionsRouter.post('/systems/:id/transitions', signedIn, requireCsrf, (req, res) =>
  systemForm(req, res, sid(req), 'transition', async () => {
    const b = body(req);
    const force = b.force === '1';
    const input = parseForm(
      req,
      z.strictObject({ to: z.enum(LIFECYCLE_STATES), note: z.string().trim().max(1000).optional(), effectiveOn: date.optional(), force: z.boolean().optional(), reason: z.string().trim().min(5).max(1000).optional() }),
      { to: force ? b.forceTo : b.to, note: b.note?.trim(), effectiveOn: b.effectiveOn, force: force || undefined, reason: force ? b.reason?.trim() : undefined },
    );
    await new SystemsService(serviceContext(req)).transition(sid(req), input);
    return `/systems/${sid(req)}#steps`;
  }),
);

// ---- lifecycle documents (定级报告, 备案表, 专家评审意见表) ----
systemActionsRouter.post('/systems/:id/documents', signedIn, requireCsrf, (req, res) =>
  systemForm(req, res, sid(req), 'document', async () => {
    const { SystemDocumentsService, DOCUMENT_FORMATS } = await import('../../reports/docx/lifecycle/service.js');
    const { DOCUMENT_TYPES } = await import('../../reports/docx/lifecycle/data.js');
    const b = body(req);
    const input = parseForm(req, z.strictObject({ type: z.enum(DOCUMENT_TYPES), format: z.enum(DOCUMENT_FORMATS), lang: z.enum(['zh-CN', 'en']) }), { type: b.type, format: b.format, lang: b.lang });
    await new SystemDocumentsService(serviceContext(req), { store: deps(req).store, printer: deps(req).printer }).generate(sid(req), input);
    return `/systems/${sid(req)}#documents`;
  }),
);

// ---- assessments ----
systemActionsRouter.post('/systems/:id/assessments', signedIn, requireCsrf, (req, res) =>
  systemForm(req, res, sid(req), 'assessment', async () => {
    const b = body(req);
    const service = new AssessmentsService(serviceContext(req), deps(req).catalogue);
    // "Re-test of the last one": the newest assessment of this system.
    const last = b.retest === '1' ? (await service.list({ systemId: sid(req) }))[0] : undefined;
    const input = parseForm(req, z.strictObject({ systemId: z.uuid(), kind: z.enum(ASSESSMENT_KINDS), retestOf: z.uuid().optional(), ...assessmentFields }), {
      systemId: sid(req),
      kind: b.kind,
      retestOf: last?.id,
      scheme: b.scheme,
      assessingOrganization: b.assessingOrganization?.trim(),
      assessingOrganizationCode: b.assessingOrganizationCode?.trim(),
      startDate: b.startDate,
      endDate: b.endDate,
    });
    if (input.startDate && input.endDate && input.endDate < input.startDate) {
      throw new ValidationError({}, [{ path: 'endDate', code: 'date_order', message: 'must not be before startDate', rule: 'not_before', params: { what: 'start_date', date: input.startDate } }]);
    }
    const a = await service.create(input);
    return `/assessments/${a.id}`;
  }),
);

const assessmentSystem = async (req: Request) => {
  const ctx = serviceContext(req);
  const row = await new OrganizationScope(ctx.caller).query(ctx.knex, 'assessments').where('assessments.id', idParam(req)).first('system_id');
  return (row?.system_id as string | undefined) ?? '00000000-0000-4000-8000-000000000000';
};

systemActionsRouter.post('/assessments/:id/transitions', signedIn, requireCsrf, async (req, res) => {
  const systemId = await assessmentSystem(req);
  await systemForm(req, res, systemId, `assessment-${req.params.id}`, async () => {
    const { to } = parseForm(req, z.strictObject({ to: z.enum(ASSESSMENT_STATUSES) }), { to: body(req).to });
    await new AssessmentsService(serviceContext(req), deps(req).catalogue).transition(idParam(req), to);
    return `/systems/${systemId}#assessments`;
  });
});

/** The assessment's details (assessing organisation and its code, report number, dates), while it is not locked. */
systemActionsRouter.post('/assessments/:id/edit', signedIn, requireCsrf, async (req, res) => {
  const systemId = await assessmentSystem(req);
  await systemForm(req, res, systemId, `assessment-${req.params.id}`, async () => {
    const b = body(req);
    const input = parseForm(req, z.strictObject(assessmentFields), {
      assessingOrganization: b.assessingOrganization?.trim(),
      assessingOrganizationCode: b.assessingOrganizationCode?.trim(),
      reportNumber: b.reportNumber?.trim(),
      startDate: b.startDate,
      endDate: b.endDate,
    });
    if (input.startDate && input.endDate && input.endDate < input.startDate) {
      throw new ValidationError({}, [{ path: 'endDate', code: 'date_order', message: 'must not be before startDate', rule: 'not_before', params: { what: 'start_date', date: input.startDate } }]);
    }
    await new AssessmentsService(serviceContext(req), deps(req).catalogue).update(idParam(req), input);
    return `/systems/${systemId}#assessments`;
  });
});

/** A new revision of a locked assessment (results, findings and hazards copied; the locked one stays as it was). */
systemActionsRouter.post('/assessments/:id/revisions', signedIn, requireCsrf, async (req, res) => {
  const systemId = await assessmentSystem(req);
  await systemForm(req, res, systemId, `assessment-${req.params.id}`, async () => {
    const a = await new AssessmentsService(serviceContext(req), deps(req).catalogue).revise(idParam(req));
    return `/assessments/${a.id}`;
  });
});

/** The officer's conclusion, overriding the computed one, with the reason (cleared with an empty conclusion). */
systemActionsRouter.post('/assessments/:id/conclusion-override', signedIn, requireCsrf, async (req, res) => {
  const systemId = await assessmentSystem(req);
  await systemForm(req, res, systemId, `override-${req.params.id}`, async () => {
    const b = body(req);
    const text = (max: number) => z.string().trim().min(1).max(max);
    const override = b.conclusion ? parseForm(req, z.strictObject({ conclusion: text(32), reason: text(2000) }), { conclusion: b.conclusion, reason: b.reason?.trim() }) : null;
    await new AssessmentsService(serviceContext(req), deps(req).catalogue).update(idParam(req), { conclusionOverride: override });
    return `/systems/${systemId}#assessments`;
  });
});

// ---- evidence requests ----
systemActionsRouter.post('/systems/:id/evidence-requests', signedIn, requireCsrf, (req, res) =>
  systemForm(req, res, sid(req), 'request', async () => {
    const b = body(req);
    const system = await new SystemsService(serviceContext(req)).get(sid(req));
    const input = parseForm(
      req,
      z.strictObject({ title: z.string().trim().min(1).max(200), description: z.string().trim().max(5000).optional(), requestedFrom: z.string().trim().min(1).max(100), dueDate: date }),
      { title: b.title?.trim(), description: b.description?.trim(), requestedFrom: b.requestedFrom?.trim(), dueDate: b.dueDate },
    );
    await new EvidenceRequestsService(serviceContext(req)).create({ ...input, organizationId: system.organizationId, target: { type: 'system', id: system.id } });
    return `/systems/${sid(req)}#requests`;
  }),
);
