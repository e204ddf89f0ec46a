import type { Request, Response } from 'express';
import { z } from 'zod';
import { AssessmentsService, type assessmentView } from '../assessments/service.js';
import { conclusionSchemes } from '../assessments/schemes.js';
import { DeployedProductsService } from '../cloud/deployed.js';
import { productCatalogue } from '../cloud/products.js';
import { OrganizationScope } from '../context.js';
import { addDays, todayInChina } from '../dates.js';
import { EvidenceRequestsService } from '../evidence/requests.js';
import { deps, serviceContext } from '../http/request.js';
import { deadlineRules } from '../systems/deadline-rules.js';
import { FilingService } from '../systems/filing.js';
import { InspectionsService } from '../systems/inspections.js';
import { LIFECYCLE_STATES, STATE_NAMES, type LifecycleState } from '../systems/lifecycle.js';
import { SystemDocumentsService } from '../../reports/docx/lifecycle/service.js';
import { DOCUMENT_TYPES } from '../../reports/docx/lifecycle/data.js';
import { SystemsService } from '../systems/service.js';
import { lifecycleSteps } from '../systems/steps.js';
import { filing2025View } from './filing-2025-pages.js';
import { renderPage } from './render.js';
import { inspectionsView, systemDetailsView } from './system-details.js';
import { systemFormsView } from './system-pages.js';

const pick = (req: Request, t: { zh: string; en: string }) => (req.lang === 'zh-CN' ? t.zh : t.en);
const stageName = (req: Request, s: string) => pick(req, STATE_NAMES[s as LifecycleState] ?? { zh: s, en: s });

/** Transitions the page's own forms make (review, approval, certified filing): no bare button for them. */
const BY_FORM: ReadonlySet<string> = new Set(['grading>review', 'review>approved', 'approved>filed']);

/** A form that failed: its name, what was typed (shown again) and the errors next to the fields. */
export interface FailedForm {
  form: string;
  values: Record<string, unknown>;
  error: string;
  fieldErrors: Record<string, string>;
  /** Bulk paste: the lines that were refused, with the reason for each. */
  lineErrors?: Array<{ line: number; text: string; message: string }>;
}

/**
 * The system page: the step indicator, then every form of the lifecycle in its order (grading,
 * review, approval, filing, objects, assessments, inspections). A failed form is rendered again
 * with what was typed and its errors, with the error's status.
 */
export async function renderSystemPage(req: Request, res: Response, systemId: string, failed?: FailedForm, status = 200): Promise<void> {
  const ctx = serviceContext(req);
  const scope = new OrganizationScope(ctx.caller);
  const systems = new SystemsService(ctx);
  const system = await systems.get(systemId);
  const filing = await new FilingService(ctx).get(systemId);
  const history = await systems.history(systemId);
  const assessments: Array<ReturnType<typeof assessmentView>> = await new AssessmentsService(ctx, deps(req).catalogue).list({ systemId });
  const inspections = await new InspectionsService(ctx).list(systemId);
  const objects = await ctx.knex('assessed_objects').where({ system_id: systemId }).orderBy(['category', 'name']);
  const grading = await ctx.knex('gradings').where({ system_id: systemId }).orderBy('version', 'desc').first();
  const catalogue = deps(req).catalogue;
  const canManage = scope.can(system.organizationId, 'manage');
  const canEdit = scope.can(system.organizationId, 'edit');
  const missing = filing.attachments.filter((a) => a.state === 'missing').map((a) => a.slot);
  const steps = lifecycleSteps({
    grading: grading ? { gradedOn: grading.graded_on, reviewedOn: grading.reviewed_on ?? null, approvedOn: grading.approved_on ?? null } : null,
    filingRequired: system.filingRequired,
    filingStatus: filing.stored ? filing.status : null,
    missingAttachments: missing,
    visited: [...new Set([...history.map((h) => h.to), system.status])] as LifecycleState[],
    assessments,
    inspections: inspections.length,
    objects: objects.length,
  }).map((s) => ({ ...s, label: req.t(`flow.step_${s.key}`), stateLabel: req.t(`flow.step_state_${s.state}`), noteLabel: s.note ? req.t(`flow.step_note_${s.note}`) : '' }));

  const stateLabel = { provided: req.t('ui.provided'), missing: req.t('ui.missing'), pending: req.t('ui.pending') } as Record<string, string>;
  const categories = catalogue.meta.objectCategories.filter((c) => c.code !== 'system').map((c) => ({ code: c.code, label: pick(req, c) }));
  const categoryLabel = new Map(categories.map((c) => [c.code, c.label]));
  const weights = (['key', 'important', 'general'] as const).map((k) => ({ key: k, label: pick(req, catalogue.meta.weights[k]!) }));
  const v = failed?.values ?? {};
  const val = (form: string, field: string, fallback: unknown = '') => (failed?.form === form && v[field] !== undefined ? v[field] : fallback);

  // Filing dates: today in China, never before the approval (the service refuses earlier); the rule is shown beside the field.
  const approvedOn: string | null = grading?.approved_on ?? null;
  const today = todayInChina();
  const rules = deadlineRules().rules;
  const submittedDefault = filing.submittedOn ?? (approvedOn && approvedOn > today ? approvedOn : today);
  const filingPending = filing.attachments.filter((a) => a.required && a.state !== 'provided');

  const schemes = [...conclusionSchemes().values()];
  const requests = (await new EvidenceRequestsService(ctx).list({ organizationId: system.organizationId })).filter((r) => r.target?.type === 'system' && r.target.id === systemId);
  const deployed = await new DeployedProductsService(ctx, productCatalogue(catalogue)).list(systemId);

  renderPage(
    req,
    res,
    'system',
    {
      ...(await systemFormsView(req, systemId, failed)),
      title: system.name,
      nav: 'systems',
      system,
      canManage,
      canEdit,
      // The grading → review → approval → filing forms, while one of them is the next step.
      showWorkflow: canManage && ['grading', 'review', 'approved'].includes(system.status),
      grading: system.grading?.notation ?? '—',
      stage: stageName(req, system.status),
      deploymentLabel: req.t(`flow.deployment_${system.deployment}`),
      steps,
      history: history.map((h) => ({ ...h, toLabel: stageName(req, h.to), note: historyNote(req, h.note) })),
      transitions: canManage
        ? system.allowedTransitions.filter((to) => !BY_FORM.has(`${system.status}>${to}`)).map((to) => ({ to, label: req.t('flow.move_to', { state: stageName(req, to) }) }))
        : [],
      filing: {
        ...filing,
        statusLabel: filing.stored ? req.t(`enum.filing_status_${filing.status}`) : req.t('flow.filing_not_started'),
        attachments: filing.attachments.map((a) => ({ slot: a.slot, label: pick(req, a), state: a.state, stateLabel: stateLabel[a.state], evidence: a.evidence })),
      },
      filingPending: filingPending.map((a) => pick(req, a)),
      filingForm: {
        filingOrgan: val('filing', 'filingOrgan', filing.filingOrgan ?? ''),
        submittedOn: val('filing', 'submittedOn', submittedDefault),
        certificateNumber: val('filing', 'certificateNumber', filing.certificateNumber ?? ''),
        certificateDate: val('filing', 'certificateDate', filing.certificateDate ?? (filing.submittedOn && filing.submittedOn > today ? filing.submittedOn : today)),
        submittedRule: req.t('flow.rule_submitted_on', {
          approved: approvedOn ?? '—',
          due: approvedOn ? addDays(approvedOn, rules.filing.days) : '—',
          days: rules.filing.days,
          article: rules.filing.article,
        }),
        certificateRule: req.t('flow.rule_certificate_date', { submitted: filing.submittedOn ?? '—', days: rules.certificate.workingDays }),
      },
      evidenceChoices: await ctx.knex('evidence').where({ organization_id: system.organizationId }).whereNull('deleted_at').orderBy('created_at', 'desc').limit(200).select('id', 'title'),
      L: req.t('ui', { returnObjects: true }),
      inspections: inspectionsView(req, inspections, failed),
      products: deployed.map((d) => (d.product ? `${pick(req, d.product.name)}（${pick(req, d.product.vendor.name)}）` : d.productId)),
      f2025: await filing2025View(req, systemId, system.grading?.level),
      // Assessed objects.
      categories,
      weights,
      objects: objects.map((o: Record<string, any>) => ({
        id: o.id,
        category: o.category,
        categoryLabel: categoryLabel.get(o.category) ?? o.category,
        name: o.name,
        ip: o.ip ?? '',
        version: o.version ?? '',
        importance: o.importance,
        importanceLabel: weights.find((w) => w.key === o.importance)?.label ?? o.importance,
        selected: !!o.selected && o.selected !== 0,
      })),
      objectForm: { category: val('object', 'category', 'server_storage'), name: val('object', 'name'), ip: val('object', 'ip'), version: val('object', 'version'), importance: val('object', 'importance', 'important') },
      bulkRows: val('objects-bulk', 'rows'),
      lineErrors: failed?.lineErrors ?? [],
      // Assessments, newest first, with their next states and the officer's conclusion override.
      assessments: assessments.map((a) => {
        const scheme = conclusionSchemes().get(a.scheme);
        return {
          ...a,
          kindLabel: req.t(`enum.assessment_kind_${a.kind}`),
          statusLabel: req.t(`enum.assessment_status_${a.status}`),
          schemeLabel: scheme ? pick(req, scheme.name) : a.scheme,
          next: a.allowedTransitions.map((to) => ({ to, label: req.t('flow.assessment_to', { state: req.t(`enum.assessment_status_${to}`) }) })),
          conclusions: scheme ? Object.entries(scheme.conclusions).map(([key, t]) => ({ key, label: pick(req, t as { zh: string; en: string }), selected: a.conclusionOverride?.conclusion === key })) : [],
          overrideLabel: a.conclusionOverride && scheme ? pick(req, (scheme.conclusions as Record<string, { zh: string; en: string }>)[a.conclusionOverride.conclusion] ?? { zh: a.conclusionOverride.conclusion, en: a.conclusionOverride.conclusion }) : null,
          overrideReason: failed?.form === `override-${a.id}` ? v.reason : (a.conclusionOverride?.reason ?? ''),
          canOverride: canManage && a.status !== 'locked',
        };
      }),
      assessmentForm: {
        kinds: ['formal_test', 'gap_analysis', 'self_assessment'].map((k) => ({ key: k, label: req.t(`enum.assessment_kind_${k}`), selected: val('assessment', 'kind', 'formal_test') === k })),
        schemes: schemes.map((s) => ({ id: s.id, label: pick(req, s.name), selected: val('assessment', 'scheme', 'mlps-2025') === s.id })),
        assessingOrganization: val('assessment', 'assessingOrganization'),
        assessingOrganizationCode: val('assessment', 'assessingOrganizationCode'),
        startDate: val('assessment', 'startDate', today),
        endDate: val('assessment', 'endDate'),
        retest: val('assessment', 'retest') === '1',
        last: assessments[0] ? { label: `${req.t(`enum.assessment_kind_${assessments[0].kind}`)} · ${assessments[0].startDate ?? assessments[0].createdAt.slice(0, 10)}` } : null,
        canCreate: canEdit && !!system.grading,
      },
      // Evidence requests for this system.
      requests: requests.map((r) => ({ ...r, statusLabel: req.t(`flow.request_status_${r.status}`) })),
      requestForm: { title: val('request', 'title'), requestedFrom: val('request', 'requestedFrom'), dueDate: val('request', 'dueDate', addDays(today, 14)), description: val('request', 'description') },
      // Lifecycle documents of the system, newest first, and the form to make one.
      documents: (await new SystemDocumentsService(ctx, { store: deps(req).store, printer: deps(req).printer }).list(systemId)).map((d) => ({
        ...d,
        typeLabel: req.t(`documents.title_${d.type}`, { defaultValue: d.type }),
        langLabel: req.t(`enum.report_lang_${d.lang}`, { defaultValue: d.lang }),
        formatLabel: req.t(`enum.report_format_${d.format}`, { defaultValue: d.format }),
        requestedOn: new Date(new Date(d.requestedAt).getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' '),
      })),
      documentTypes: DOCUMENT_TYPES.map((k) => ({ key: k, label: req.t(`documents.title_${k}`) })),
      systemForm: await systemDetailsView(req, system, failed),
      archived: !!system.archivedAt,
      forceStates: canManage ? LIFECYCLE_STATES.filter((st) => st !== system.status).map((st) => ({ key: st, label: stageName(req, st) })) : [],
      failedForm: failed?.form ?? null,
      sectionError: sectionError(failed, typeof req.query.error === 'string' ? req.query.error : undefined),
    },
    status,
  );
}

export const systemIdOf = (req: Request): string | null => {
  const id = z.uuid().safeParse(req.params.id);
  return id.success ? id.data : null;
};

/** Which card shows a failed form's message (next to the form that failed). */
function sectionError(failed: FailedForm | undefined, redirected: string | undefined): Record<string, string> {
  if (!failed) return redirected ? { other: redirected, workflow: redirected } : {};
  const f = failed.form;
  const byForm: Record<string, string> = { archive: 'system', grading: 'workflow', review: 'workflow', approval: 'workflow', filing: 'workflow', transition: 'steps', request: 'requests', document: 'documents', system: 'system', object: 'objects', assessment: 'assessments', 'objects-bulk': 'bulk' };
  const prefix = f.split('-')[0]!;
  const section = byForm[f] ?? (prefix === 'object' ? 'objects' : prefix === 'assessment' || prefix === 'override' ? 'assessments' : 'other');
  return { [section]: failed.error };
}

/** The notes the services write on lifecycle moves, in the reader's language (free text as typed). */
function historyNote(req: Request, note: string | null): string | null {
  if (!note) return null;
  if (note === 'created') return req.t('flow.history_created');
  if (note === 're-grading') return req.t('flow.history_regrading');
  const review = /^expert review of grading v(\d+)$/.exec(note);
  if (review) return req.t('flow.history_review', { version: review[1] });
  const certificate = /^filing certificate (.*)$/.exec(note);
  if (certificate) return req.t('flow.history_certificate', { number: certificate[1] });
  const forced = /^forced: ([\s\S]*)$/.exec(note);
  if (forced) return req.t('flow.history_forced', { reason: forced[1] });
  return note;
}
