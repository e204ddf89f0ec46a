import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { OrganizationScope } from '../context.js';
import { EVIDENCE_KINDS } from '../database/migrations/20261126C-evidence.js';
import { AppError, ValidationError, type ErrorDetail } from '../errors.js';
import { EvidenceRequestsService } from '../evidence/requests.js';
import { EvidenceService, type EvidenceDetail } from '../evidence/service.js';
import { parseUpload } from '../http/multipart.js';
import { deps, serviceContext } from '../http/request.js';
import { formIssues, parseForm } from './form-issues.js';
import { deleteEvidenceIdBody, idParams, linkBody, patchBody, versionFields } from '../routes/evidence.js';
import { postEvidenceRequestsIdCancelParams } from '../routes/evidence-requests.js';
import { requireCsrf } from './csrf.js';
import { errorText } from './page-errors.js';
import { renderPage, signedIn } from './render.js';

/**
 * An evidence record's own page with its forms (edit, delete with a reason, a new version, link to
 * or unlink from results and findings) and cancelling an evidence request. Each form posts and
 * redirects (no script needed), validates with the API's own schemas, and a refused form comes back
 * with what was typed and each error next to its field.
 */
export const evidenceFormsRouter = Router();

const E = (req: Request) => req.t('evidence_forms', { returnObjects: true }) as unknown as Record<string, string>;
const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
const shanghai = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
const chinaTime = (iso: string | undefined) => (iso ? shanghai.format(new Date(iso)) : '');

/** A form that came back: which one, what was typed, the errors by field and the summary. */
interface Failed {
  form: string;
  values: Record<string, unknown>;
  fieldErrors: Record<string, string>;
  error: string;
}

/** A field's error in the page's words: zod's own messages are localised; refinements (dates) are ours. */
function fieldText(req: Request, d: ErrorDetail): string {
  if (d.path === 'validUntil' && d.code === 'custom') return req.t('evidence_forms.date_invalid');
  return req.t(`evidence_forms.problem_${d.code}`, { defaultValue: d.message });
}

/** What the page says about each link: a finding by its number and title, a result by unit, object and system. */
async function linkViews(req: Request, e: EvidenceDetail) {
  const knex = serviceContext(req).knex;
  const findingIds = e.links.filter((l) => l.targetType === 'finding' || l.targetType === 'remediation_verification').map((l) => l.targetId);
  const resultIds = e.links.filter((l) => l.targetType === 'assessment_result').map((l) => l.targetId);
  const findings = new Map(
    (findingIds.length ? await knex('findings').whereIn('id', findingIds).where({ organization_id: e.organizationId }).select('id', 'number', 'title') : []).map((f: Record<string, string>) => [f.id, f]),
  );
  const results = new Map(
    (resultIds.length
      ? await knex('assessment_results as r')
          .join('assessments as a', 'a.id', 'r.assessment_id')
          .join('systems as s', 's.id', 'a.system_id')
          .whereIn('r.id', resultIds)
          .where('r.organization_id', e.organizationId)
          .select('r.id', 'r.code', 'r.object_key', 'r.assessment_id', 's.name as system_name')
      : []
    ).map((r: Record<string, string>) => [r.id, r]),
  );
  // Object names looked up apart: object_key is text ('system' or an id), the objects' id a uuid on PostgreSQL.
  const objectIds = [...results.values()].map((r) => r.object_key!).filter((k) => k !== 'system');
  const objectNames = new Map((objectIds.length ? await knex('assessed_objects').whereIn('id', objectIds).select('id', 'name') : []).map((o: Record<string, string>) => [o.id, o.name]));
  const L = E(req);
  return e.links.map((l) => {
    const f = findings.get(l.targetId);
    const r = results.get(l.targetId);
    const base = { targetType: l.targetType, targetId: l.targetId, typeLabel: L[`target_${l.targetType}`] ?? L.target_other };
    if (f) return { ...base, label: `${f.number} ${f.title}`, href: `/findings/${f.id}` };
    if (r) return { ...base, label: `${r.code} · ${r.object_key === 'system' ? req.t('ui.whole_system') : (objectNames.get(r.object_key!) ?? '')} · ${r.system_name}`, href: `/assessments/${r.assessment_id}#r-${r.id}` };
    return { ...base, label: l.targetId.slice(0, 8), href: null };
  });
}

/** The choices of the link forms: the organisation's findings, assessments and assessed objects. */
async function linkChoices(req: Request, organizationId: string) {
  const knex = serviceContext(req).knex;
  const findings = await knex('findings as f')
    .join('assessments as a', 'a.id', 'f.assessment_id')
    .join('systems as s', 's.id', 'a.system_id')
    .where('f.organization_id', organizationId)
    .orderBy([{ column: 's.name' }, { column: 'a.created_at', order: 'desc' }, { column: 'f.number' }])
    .limit(500)
    .select('f.id', 'f.number', 'f.title', 's.name as system_name');
  const assessments = await knex('assessments as a')
    .join('systems as s', 's.id', 'a.system_id')
    .where('a.organization_id', organizationId)
    .orderBy([{ column: 's.name' }, { column: 'a.created_at', order: 'desc' }])
    .limit(200)
    .select('a.id', 'a.kind', 'a.created_at', 's.name as system_name', 'a.system_id');
  const objects = await knex('assessed_objects as o')
    .join('systems as s', 's.id', 'o.system_id')
    .where('s.organization_id', organizationId)
    .orderBy([{ column: 's.name' }, { column: 'o.name' }])
    .limit(1000)
    .select('o.id', 'o.name', 's.name as system_name');
  return {
    findings: findings.map((f: Record<string, string>) => ({ id: f.id, label: `${f.system_name} · ${f.number} ${f.title}` })),
    assessments: assessments.map((a: Record<string, string>) => ({ id: a.id, label: `${a.system_name} · ${req.t(`enum.assessment_kind_${a.kind}`)} · ${chinaTime(a.created_at ?? '').slice(0, 10)}` })),
    objects: objects.map((o: Record<string, string>) => ({ id: o.id, label: `${o.system_name} · ${o.name}` })),
  };
}

/** The evidence page, with its forms as the caller may use them (`can`), and a failed form as typed. */
async function renderEvidence(req: Request, res: Response, id: string, failed?: Failed, status = 200): Promise<void> {
  const ctx = serviceContext(req);
  const e = await new EvidenceService(ctx, deps(req).store).get(id);
  const scope = new OrganizationScope(ctx.caller);
  const live = !e.deleted;
  const can = { edit: live && scope.can(e.organizationId, 'edit'), delete: live && scope.can(e.organizationId, 'manage') };
  const L = E(req);
  const typed = (form: string) => (failed?.form === form ? failed.values : undefined);
  const edit = typed('edit');
  const values = {
    title: edit ? str(edit.title) : e.title,
    kind: edit ? str(edit.kind) : e.kind,
    description: edit ? str(edit.description) : (e.description ?? ''),
    validUntil: edit ? str(edit.validUntil) : (e.validUntil ?? ''),
    source: edit ? str(edit.source) : (e.source ?? ''),
    tags: edit ? str(edit.tags) : e.tags.join(', '),
  };
  const errorsOf = (form: string) => (failed?.form === form ? failed.fieldErrors : {});
  const link = typed('link') ?? {};
  renderPage(
    req,
    res,
    'evidence-item',
    {
      title: e.title,
      nav: 'evidence',
      e,
      can,
      E: L,
      L: req.t('ui', { returnObjects: true }),
      collectedAtLabel: chinaTime(e.collectedAt),
      deletedAtLabel: e.deleted ? chinaTime(e.deleted.at) : '',
      versions: e.versions.map((v) => ({ ...v, uploadedAtLabel: chinaTime(v.uploadedAt) })),
      history: e.history.map((h) => ({ at: chinaTime(h.at), what: L[`action_${h.action}`] ?? L.action_other })),
      links: await linkViews(req, e),
      kinds: EVIDENCE_KINDS.map((k) => ({ key: k, label: req.t(`enum.evidence_kind_${k}`), selected: k === values.kind })),
      values,
      deleteReason: str(typed('delete')?.reason),
      versionNote: str(typed('version')?.note),
      link: { findingId: str(link.findingId), assessmentId: str(link.assessmentId), code: str(link.code), objectId: str(link.objectId) },
      choices: can.edit ? await linkChoices(req, e.organizationId) : null,
      failedForm: failed?.form,
      error: failed?.error,
      errors: { edit: errorsOf('edit'), delete: errorsOf('delete'), version: errorsOf('version'), link: errorsOf('link') },
    },
    status,
  );
}

/** Runs one form: a redirect on success; a refusal renders the page again as typed, with its status. */
async function evidenceForm(req: Request, res: Response, id: string, form: string, values: () => Record<string, unknown>, action: () => Promise<string>): Promise<void> {
  try {
    res.redirect(303, await action());
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    const fieldErrors: Record<string, string> = {};
    for (const d of err.details) if (d.path) fieldErrors[d.path.split('.')[0]!] ??= fieldText(req, d);
    const summary = Object.keys(fieldErrors).length ? req.t('evidence_forms.fix_fields') : errorText(req, err);
    await renderEvidence(req, res, id, { form, values: values(), fieldErrors, error: summary }, err.status);
  }
}

const idOf = (req: Request) => parseForm(req, idParams, req.params).id;

evidenceFormsRouter.get('/evidence/:id', signedIn, async (req, res) => {
  await renderEvidence(req, res, idOf(req));
});

/** Edit the record's metadata (PATCH /evidence/:id): empty optional fields are cleared, tags comma-separated. */
evidenceFormsRouter.post('/evidence/:id/edit', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const b = (req.body ?? {}) as Record<string, unknown>;
  await evidenceForm(req, res, id, 'edit', () => b, async () => {
    const svc = new EvidenceService(serviceContext(req), deps(req).store);
    await svc.assertCanEdit(id);
    const patch = parseForm(req, patchBody, {
      title: b.title,
      kind: b.kind,
      description: str(b.description) || null,
      validUntil: str(b.validUntil) || null,
      source: str(b.source) || null,
      tags: str(b.tags).split(/[,，、]/).map((t) => t.trim()).filter(Boolean),
    });
    await svc.update(id, patch);
    return `/evidence/${id}`;
  });
});

/** Delete (soft, with a reason): the record and its files stay, marked deleted. */
evidenceFormsRouter.post('/evidence/:id/delete', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const b = (req.body ?? {}) as Record<string, unknown>;
  await evidenceForm(req, res, id, 'delete', () => b, async () => {
    const svc = new EvidenceService(serviceContext(req), deps(req).store);
    await svc.assertCanDelete(id);
    const { reason } = parseForm(req, deleteEvidenceIdBody, { reason: b.reason });
    await svc.softDelete(id, reason);
    return `/evidence/${id}`;
  });
});

/** A new version of the file (multipart: file, note); a refused upload keeps nothing. */
evidenceFormsRouter.post('/evidence/:id/versions', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const d = deps(req);
  let typed: Record<string, unknown> = {};
  await evidenceForm(req, res, id, 'version', () => typed, async () => {
    const svc = new EvidenceService(serviceContext(req), d.store);
    await svc.assertCanEdit(id); // 404 / 403 before the body is read
    const parsed = await parseUpload(req, d.store, d.config.maxUploadMb * 1024 * 1024, d.config.maxUploadMb);
    typed = { note: parsed.fields.note?.at(-1) ?? '' };
    // A browser sends an empty, nameless part when no file was chosen: that is "no file", not an empty file.
    if (parsed.file && parsed.file.staged.size === 0 && !parsed.file.clientName) {
      await parsed.file.staged.discard();
      delete parsed.file;
    }
    const checked = versionFields.safeParse({ note: str(typed.note) || undefined });
    if (!checked.success || !parsed.file) {
      await parsed.file?.staged.discard();
      const details = checked.success ? [] : formIssues(req, checked.error.issues);
      if (!parsed.file) details.push({ path: 'file', code: 'required', message: req.t('evidence_forms.file_required') });
      throw new ValidationError({}, details);
    }
    await svc.addVersion(id, parsed.file, checked.data.note);
    return `/evidence/${id}`;
  });
});

/** Link to a finding (chosen) or to a result (assessment, unit code, object): the API's link with its target. */
evidenceFormsRouter.post('/evidence/:id/link', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const b = (req.body ?? {}) as Record<string, unknown>;
  await evidenceForm(req, res, id, 'link', () => b, async () => {
    const ctx = serviceContext(req);
    const svc = new EvidenceService(ctx, deps(req).store);
    const e = await svc.assertCanEdit(id);
    let target: { targetType: string; targetId: string };
    if (b.to === 'finding') {
      target = parseForm(req, linkBody, { targetType: 'finding', targetId: str(b.findingId) });
    } else {
      const form = parseForm(req, z.object({ assessmentId: z.uuid(), code: z.string().trim().toUpperCase().regex(/^L\d-[A-Z]{3}\d-\d{2}$/), objectId: z.union([z.uuid(), z.literal('system')]) }), {
        assessmentId: str(b.assessmentId),
        code: str(b.code),
        objectId: str(b.objectId) || 'system',
      });
      const row = await ctx.knex('assessment_results').where({ assessment_id: form.assessmentId, code: form.code, object_key: form.objectId, organization_id: e.organizationId }).first('id');
      if (!row) throw new ValidationError({}, [{ path: 'code', code: 'no_result_row', message: req.t('evidence_forms.problem_no_result_row') }]);
      target = parseForm(req, linkBody, { targetType: 'assessment_result', targetId: row.id });
    }
    await svc.link(id, target.targetType, target.targetId);
    return `/evidence/${id}#links`;
  });
});

evidenceFormsRouter.post('/evidence/:id/unlink', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const b = (req.body ?? {}) as Record<string, unknown>;
  await evidenceForm(req, res, id, 'unlink', () => b, async () => {
    const svc = new EvidenceService(serviceContext(req), deps(req).store);
    await svc.assertCanEdit(id);
    const { targetType, targetId } = parseForm(req, linkBody, { targetType: b.targetType, targetId: b.targetId });
    await svc.unlink(id, targetType, targetId);
    return `/evidence/${id}#links`;
  });
});

/** Cancel an open evidence request (from the library's list of requests). */
evidenceFormsRouter.post('/evidence-requests/:id/cancel', signedIn, requireCsrf, async (req, res) => {
  const { id } = parseForm(req, postEvidenceRequestsIdCancelParams, req.params);
  try {
    await new EvidenceRequestsService(serviceContext(req)).cancel(id);
    res.redirect(303, '/evidence#requests');
  } catch (err) {
    // A request already closed comes back to the list with the reason; a refusal (403/404) is an error page.
    if (!(err instanceof AppError) || err.status !== 409) throw err;
    res.redirect(303, `/evidence?${new URLSearchParams({ error: errorText(req, err) })}#requests`);
  }
});
