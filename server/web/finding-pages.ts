import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { OrganizationScope } from '../context.js';
import { FindingDraftsService, type FindingDraft } from '../assessments/finding-drafts.js';
import { FindingsService, type FindingInput, type Risk } from '../assessments/findings.js';
import { HazardsService } from '../assessments/hazards.js';
import { AssessmentsService, WRITABLE } from '../assessments/service.js';
import { AppError, ValidationError, type ErrorDetail } from '../errors.js';
import { deps, serviceContext } from '../http/request.js';
import { requireCsrf } from './csrf.js';
import { renderPage, signedIn } from './render.js';

/** Raising findings from results (one form, many drafts) and a finding's own page. */
export const findingPagesRouter = Router();

const RISKS = ['high', 'medium', 'low'] as const;
const pick = (req: Request, t: { zh: string; en: string }) => (req.lang === 'zh-CN' ? t.zh : t.en);
const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v ? [v] : []);
const F = (req: Request) => req.t('finding', { returnObjects: true }) as unknown as Record<string, string>;
const riskLabels = (req: Request) => Object.fromEntries(RISKS.map((r) => [r, req.t(`report.${r}`)])) as Record<Risk, string>;
const valueLabel = (req: Request, v: string) => req.t(`ui.value_${v}`);
const shanghai = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
/** An audit time as people read it here: China Standard Time, to the minute. */
const chinaTime = (iso: string) => shanghai.format(new Date(iso));

/** One draft as the form shows it: pre-filled, or as the user typed it when the form came back. */
function draftView(req: Request, d: FindingDraft, i: number, typed?: Record<string, unknown>) {
  const risk = riskLabels(req);
  const field = (name: string, fallback: string | null) => (typed ? str(typed[`${name}_${i}`]) : (fallback ?? ''));
  const chosenObjects = typed ? new Set(list(typed[`objects_${i}`])) : new Set(d.objects.map((o) => o.key));
  const riskValue = typed ? str(typed[`risk_${i}`]) : d.risk;
  return {
    i,
    code: d.code,
    controlPoint: pick(req, d.controlPoint),
    unitText: pick(req, d.unitText),
    worstLabel: valueLabel(req, d.worst),
    raise: typed ? list(typed.raise).includes(String(i)) : true,
    title: field('title', pick(req, d.title)),
    description: field('description', d.description),
    threat: field('threat', d.highRiskCase ? pick(req, d.highRiskCase.description) : null),
    harm: field('harm', null),
    recommendation: field('recommendation', d.highRiskCase ? pick(req, d.highRiskCase.mitigation) : null),
    objects: d.objects.map((o) => ({ key: o.key, name: o.name ?? req.t('finding.whole_system'), valueLabel: valueLabel(req, o.value), checked: chosenObjects.has(o.key) })),
    risks: RISKS.map((r) => ({ key: r, label: risk[r], selected: r === riskValue })),
    highRiskCase: d.highRiskCase ? { id: d.highRiskCase.id, title: pick(req, d.highRiskCase.title) } : null,
  };
}

async function renderDrafts(req: Request, res: Response, id: string, typed?: Record<string, unknown>, problems: ErrorDetail[] = [], error?: string) {
  const drafts = await new FindingDraftsService(serviceContext(req)).drafts(id);
  const fieldErrors: Record<string, string> = Object.fromEntries(problems.map((p) => [p.path ?? '', p.message]));
  renderPage(
    req,
    res,
    'finding-drafts',
    {
      title: F(req).from_results,
      nav: 'systems',
      assessmentId: id,
      F: F(req),
      error,
      drafts: drafts.map((d, i) => ({ ...draftView(req, d, i, typed), errors: { title: fieldErrors[`title_${i}`], objects: fieldErrors[`objects_${i}`], risk: fieldErrors[`risk_${i}`] } })),
    },
    error ? 400 : 200,
  );
}

findingPagesRouter.get('/assessments/:id/findings/from-results', signedIn, async (req, res) => {
  await renderDrafts(req, res, z.uuid().parse(req.params.id));
});

/** Raises the ticked drafts, as edited, in one transaction; a refused form comes back as typed. */
findingPagesRouter.post('/assessments/:id/findings/from-results', signedIn, requireCsrf, async (req, res) => {
  const id = z.uuid().parse(req.params.id);
  const b = req.body as Record<string, unknown>;
  const drafts = await new FindingDraftsService(serviceContext(req)).drafts(id);
  const chosen = new Set(list(b.raise).map(Number));
  const problems: ErrorDetail[] = [];
  const inputs: FindingInput[] = [];
  for (const [i, d] of drafts.entries()) {
    if (!chosen.has(i) || str(b[`code_${i}`]) !== d.code) continue;
    const title = str(b[`title_${i}`]);
    const risk = str(b[`risk_${i}`]);
    const objects = list(b[`objects_${i}`]).filter((o) => d.objects.some((x) => x.key === o));
    if (!title || title.length > 300) problems.push({ path: `title_${i}`, code: 'required', message: req.t('finding.title_required') });
    if (!RISKS.includes(risk as Risk)) problems.push({ path: `risk_${i}`, code: 'invalid_value', message: req.t('finding.risk_required') });
    if (!objects.length) problems.push({ path: `objects_${i}`, code: 'required', message: req.t('finding.objects_required') });
    inputs.push({
      title,
      description: str(b[`description_${i}`]) || null,
      units: [d.code],
      objects,
      threat: str(b[`threat_${i}`]) || null,
      harm: str(b[`harm_${i}`]) || null,
      risk: risk as Risk,
      recommendation: str(b[`recommendation_${i}`]) || null,
    });
  }
  if (!inputs.length && !problems.length) return renderDrafts(req, res, id, b, [], req.t('finding.none_chosen'));
  if (problems.length) return renderDrafts(req, res, id, b, problems, req.t('finding.fix_fields'));
  try {
    await new FindingDraftsService(serviceContext(req)).raise(id, inputs);
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    return renderDrafts(req, res, id, b, [], req.t(`errors.${err.code}`, { ...err.params, defaultValue: err.message }));
  }
  res.redirect(303, `/assessments/${id}/findings`);
});

/** A finding's page: what it is, where it was found, its risk, case, hazards, remediation history and evidence. */
findingPagesRouter.get('/findings/:id', signedIn, async (req, res) => {
  const parsed = z.uuid().safeParse(req.params.id);
  if (!parsed.success) throw new ValidationError({}, [{ path: 'id', code: 'invalid_id', message: 'not an id' }]);
  await renderFinding(req, res, parsed.data);
});

/** A form of the finding page that came back refused: what was typed, errors by field, the summary. */
export interface FailedFindingForm {
  form: 'edit' | 'delete';
  values: Record<string, unknown>;
  fieldErrors: Record<string, string>;
  error: string;
}

/** The finding page; with `failed`, the refused form shows as typed (finding-forms.ts). */
export async function renderFinding(req: Request, res: Response, id: string, failed?: FailedFindingForm, status = 200): Promise<void> {
  const ctx = serviceContext(req);
  const f = await new FindingsService(ctx).get(id);
  const a = await new AssessmentsService(ctx, deps(req).catalogue).get(f.assessmentId);
  const L = F(req);
  const risk = riskLabels(req);
  const names = new Map((await ctx.knex('assessed_objects').where({ system_id: a.systemId }).select('id', 'name')).map((o: { id: string; name: string }) => [o.id, o.name]));
  const versionId = (await new AssessmentsService(ctx).load(f.assessmentId)).catalogue_version_id;
  const units = new Map((await ctx.knex('catalogue_items').where({ catalogue_version_id: versionId }).whereIn('code', f.units).select('code', 'data')).map((r: { code: string; data: string }) => [r.code, JSON.parse(r.data)]));
  const results = await ctx.knex('assessment_results').where({ assessment_id: f.assessmentId }).whereIn('code', f.units).orderBy(['code', 'object_key']);
  const hazards = (await new HazardsService(ctx).list(f.assessmentId)).filter((h) => h.findings.some((x) => x.id === id));
  const kase = f.highRiskCase ? await ctx.knex('high_risk_cases').where({ case_id: f.highRiskCase.id, catalogue_version_id: versionId }).first('data') : undefined;
  const caseData = kase ? (JSON.parse(kase.data) as { title: { zh: string; en: string }; units: string[] }) : null;
  const evidence = await ctx.knex('evidence_links')
    .join('evidence', 'evidence.id', 'evidence_links.evidence_id')
    .join('evidence_versions', (j) => j.on('evidence_versions.evidence_id', 'evidence.id').andOn('evidence_versions.version', 'evidence.current_version'))
    .where('evidence_links.organization_id', a.organizationId)
    .whereIn('evidence_links.target_type', ['finding', 'remediation_verification'])
    .where('evidence_links.target_id', id)
    .whereNull('evidence.deleted_at')
    .orderBy('evidence_links.created_at')
    .select('evidence.id', 'evidence.title', 'evidence.kind', 'evidence_versions.hash', 'evidence_links.target_type');
  // Remediation history: the finding's own audit entries (successful writes), oldest first.
  const trail = await ctx.knex('audit_entries')
    .where({ chain: a.organizationId, target_id: id })
    .whereIn('target_type', ['findings'])
    .where((w) => w.whereNull('status').orWhere('status', '<', 400))
    .orderBy('seq')
    .select('at', 'actor_name', 'action', 'changes');
  const history = trail.map((e: { at: string; actor_name: string | null; action: string; changes: string | null }) => {
    const request = ((e.changes ? JSON.parse(e.changes) : null)?.request ?? {}) as Record<string, unknown>;
    const kind = e.action.endsWith('/remediation')
      ? 'remediation'
      : e.action.endsWith('/high-risk') || request.highRisk
        ? 'high_risk'
        : request.mitigation !== undefined
          ? 'mitigation'
          : e.action.startsWith('DELETE')
            ? 'delete'
            : 'edit';
    if (request.highRisk && typeof request.highRisk === 'object') Object.assign(request, request.highRisk);
    if (request.mitigation && typeof request.mitigation === 'object') request.measure = (request.mitigation as { measure?: unknown }).measure;
    const status = typeof request.status === 'string' ? req.t(`report.remediation_status_${request.status}`, { defaultValue: request.status }) : null;
    const action = typeof request.action === 'string' ? L[`high_risk_${request.action}`] : null;
    const details = [status, action, typeof request.measure === 'string' ? `${L.mitigation}${L.colon}${request.measure}` : null, typeof request.owner === 'string' && request.owner ? `${L.owner}${L.colon}${request.owner}` : null, typeof request.dueDate === 'string' && request.dueDate ? `${L.due}${L.colon}${request.dueDate}` : null, typeof request.reason === 'string' && request.reason ? `${L.reason}${L.colon}${request.reason}` : null]
      .filter(Boolean)
      .join(' · ');
    return { at: chinaTime(e.at), who: e.actor_name ?? '', what: L[`history_${kind}`], details };
  });
  // Raised: the creation itself (its audit entry names the assessment, not the finding).
  const creator = await ctx.knex('findings').join('users', 'users.id', 'findings.created_by').where('findings.id', id).first('users.username');
  history.unshift({ at: chinaTime(f.createdAt), who: creator?.username ?? '', what: f.previous ? L.history_carried : L.history_created, details: '' });
  const objectLabel = (key: string) => (key === 'system' ? L.whole_system : (names.get(key) ?? key));
  renderPage(req, res, 'finding', {
    title: `${f.number} ${f.title}`,
    descriptionLines: (f.description ?? '').split('\n').filter(Boolean),
    nav: 'systems',
    F: L,
    f,
    assessmentId: f.assessmentId,
    canEdit: WRITABLE.has(a.status) && new OrganizationScope(ctx.caller).can(a.organizationId, 'edit'),
    ...findingFormView(req, f, WRITABLE.has(a.status) && new OrganizationScope(ctx.caller).can(a.organizationId, 'edit'), failed),
    riskLabel: risk[f.risk],
    effectiveRiskLabel: risk[f.effectiveRisk],
    mitigatedRiskLabel: f.mitigation ? risk[f.mitigation.riskAfter] : null,
    units: f.units.map((code) => {
      const u = units.get(code) as { layer: string; controlPoint: { zh: string; en: string }; text: { zh: string; en: string } } | undefined;
      return { code, controlPoint: u ? pick(req, u.controlPoint) : '', text: u ? pick(req, u.text) : '' };
    }),
    objects: f.objects.map((key) => ({ key, name: objectLabel(key) })),
    results: results.map((r: Record<string, any>) => ({
      code: r.code,
      object: objectLabel(r.object_key),
      valueLabel: valueLabel(req, r.value),
      value: r.value,
      record: r.record,
      href: `/assessments/${f.assessmentId}?layer=${encodeURIComponent(units.get(r.code)?.layer ?? '')}&object=${encodeURIComponent(r.object_key)}`,
    })),
    highRiskCase: f.highRiskCase ? { id: f.highRiskCase.id, href: `/catalogue/${encodeURIComponent(f.units.find((u) => caseData?.units.includes(u)) ?? f.units[0] ?? '')}`, title: caseData ? pick(req, caseData.title) : '', statusLabel: L[`case_${f.highRiskCase.status}`] ?? f.highRiskCase.status, reason: f.highRiskCase.reason } : null,
    hazards: hazards.map((h) => ({ number: h.number, code: h.trigger.code, title: pick(req, h.trigger.title), statusLabel: req.t(`hazard.status_${h.status}`) })),
    remediation: f.remediation ? { ...f.remediation, statusLabel: req.t(`report.remediation_status_${f.remediation.status}`) } : null,
    history,
    evidence: evidence.map((e: Record<string, string>) => ({ ...e, kindLabel: L[`evidence_kind_${e.kind}`] ?? e.kind, purpose: e.target_type === 'remediation_verification' ? L.verification : L.evidence_of_finding, shortHash: String(e.hash).slice(0, 12) })),
  }, status);
}

/** The edit and delete forms: pre-filled from the finding, or as typed when they came back refused. */
function findingFormView(req: Request, f: Awaited<ReturnType<FindingsService['get']>>, canEdit: boolean, failed?: FailedFindingForm) {
  const typed = failed?.form === 'edit' ? failed.values : undefined;
  const value = (name: string, stored: string | null | undefined) => (typed ? str(typed[name]) : (stored ?? ''));
  const risk = typed ? str(typed.risk) : f.risk;
  const labels = riskLabels(req);
  return {
    can: { edit: canEdit, delete: canEdit },
    values: {
      title: value('title', f.title),
      description: value('description', f.description),
      units: value('units', f.units.join(', ')),
      threat: value('threat', f.threat),
      harm: value('harm', f.harm),
      recommendation: value('recommendation', f.recommendation),
      rowVersion: typed && str(typed.rowVersion) ? str(typed.rowVersion) : String(f.rowVersion),
    },
    riskChoices: RISKS.map((r) => ({ key: r, label: labels[r], selected: r === risk })),
    formError: failed?.error,
    errors: { edit: failed?.form === 'edit' ? failed.fieldErrors : {}, delete: failed?.form === 'delete' ? failed.fieldErrors : {} },
    deleteConfirm: failed?.form === 'delete' ? str(failed.values.confirm) : '',
  };
}
