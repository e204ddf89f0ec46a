import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { COMPENSATION_KINDS, CompensationsService } from '../assessments/compensations.js';
import { FindingsService } from '../assessments/findings.js';
import { AssessmentsService, WRITABLE } from '../assessments/service.js';
import { OrganizationScope } from '../context.js';
import { AppError, NotFoundError, ValidationError, type ErrorDetail } from '../errors.js';
import { readUploadToMemory } from '../http/memory-upload.js';
import { serviceContext } from '../http/request.js';
import { compensationBody, idParams, patchPentestsIdBody, raiseBody } from '../routes/verification.js';
import { PENTEST_RISKS, PentestsService } from '../verification/pentests.js';
import { RaiseFindingService } from '../verification/raise.js';
import { ScansService } from '../verification/scans.js';
import { requireCsrf } from './csrf.js';
import { formIssues } from './form-issues.js';
import { renderPage, signedIn } from './render.js';

/**
 * The verification page of an assessment (整体测评 and 验证测试): compensating measures (chapter 6 of
 * the report) added, edited and removed; pen-test cases edited, removed, imported from the CSV
 * layout and raised as findings; scanner reports removed and their vulnerabilities raised as
 * findings. Each form posts and redirects (no script needed), is checked with the API's own zod
 * schemas, and a refused form comes back with what was typed and each error next to its field.
 */
export const verificationFormsRouter = Router();

const V = (req: Request) => req.t('verification_forms', { returnObjects: true }) as unknown as Record<string, string>;
const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
const RISKS = ['high', 'medium', 'low'] as const;

/** A form that came back: which one, what was typed, the errors by field and the summary. */
interface Failed {
  form: string;
  values: Record<string, unknown>;
  fieldErrors: Record<string, string>;
  error: string;
}

/** A detail in the page's words: the services' rule codes have our own text; zod's are already translated by formIssues. */
function detailWords(req: Request, d: ErrorDetail): string {
  return req.t(`verification_forms.problem_${d.code}`, { defaultValue: d.message });
}

/** Effect rows of the compensation form: the stored ones (or those typed) and blank rows to add more. */
function effectRows(req: Request, typed: Record<string, unknown> | undefined, stored: Array<{ unit: string; before: string; after: string }>, errors: Record<string, string>) {
  const count = typed ? Number(typed._rows ?? 3) : Math.max(stored.length + 1, 3);
  const riskLabel = (r: string) => (r === 'none' ? V(req).risk_none! : req.t(`report.${r}`));
  return Array.from({ length: count }, (_, i) => {
    const s = stored[i];
    const unit = typed ? str(typed[`unit${i}`]) : (s?.unit ?? '');
    const before = typed ? str(typed[`before${i}`]) : (s?.before ?? 'high');
    const after = typed ? str(typed[`after${i}`]) : (s?.after ?? 'low');
    return {
      i,
      unit,
      before: RISKS.map((r) => ({ key: r, label: riskLabel(r), selected: r === before })),
      after: [...RISKS, 'none'].map((r) => ({ key: r, label: riskLabel(r), selected: r === after })),
      errorUnit: errors[`unit${i}`],
      errorAfter: errors[`after${i}`],
    };
  });
}

/** The page, with its forms as the caller may use them (`can`), and a failed form as typed. */
async function renderVerification(req: Request, res: Response, assessmentId: string, failed?: Failed, status = 200): Promise<void> {
  const ctx = serviceContext(req);
  const a = await new AssessmentsService(ctx).get(assessmentId);
  const can = WRITABLE.has(a.status) && new OrganizationScope(ctx.caller).can(a.organizationId, 'edit');
  const L = V(req);
  const riskLabel = (r: string | null) => (!r ? '' : r === 'none' ? L.risk_none! : req.t(`report.${r}`));
  const typed = (form: string) => (failed?.form === form ? failed.values : undefined);
  const errs = (form: string) => (failed?.form === form ? failed.fieldErrors : {});
  const findings = await new FindingsService(ctx).list(assessmentId);
  const compensations = await new CompensationsService(ctx).list(assessmentId);

  const compensationForm = (form: string, c?: (typeof compensations)[number]) => {
    const t = typed(form);
    const e = errs(form);
    const kind = t ? str(t.kind) : (c?.kind ?? '');
    const named = new Map((c?.findings ?? []).map((f) => [f.id, f.riskAfter]));
    return {
      form,
      error: failed?.form === form ? failed.error : undefined,
      errors: e,
      kinds: COMPENSATION_KINDS.map((k) => ({ key: k, label: L[`kind_${k}`], selected: k === kind })),
      measure: t ? str(t.measure) : (c?.measure ?? ''),
      reasoning: t ? str(t.reasoning) : (c?.reasoning ?? ''),
      rowVersion: c?.rowVersion,
      effects: effectRows(req, t, c?.effects ?? [], e),
      findings: findings
        .filter((f) => !f.compensationId || f.compensationId === c?.id)
        .map((f) => {
          const after = t ? str(t[`finding_${f.id}`]) : (named.get(f.id) ?? '');
          return { id: f.id, label: `${f.number} ${f.title} (${riskLabel(f.risk)})`, error: e[`finding_${f.id}`], options: RISKS.map((r) => ({ key: r, label: riskLabel(r), selected: r === after })) };
        }),
    };
  };

  const pentests = (await new PentestsService(ctx).list(assessmentId)).map((p) => {
    const form = `pentest-${p.id}`;
    const t = typed(form);
    const v = (k: 'target' | 'entryPoint' | 'method' | 'steps' | 'result' | 'testedAt') => (t ? str(t[k]) : (p[k] ?? ''));
    const risk = t ? str(t.risk) : p.risk;
    const raiseForm = `raise-pentest-${p.id}`;
    return {
      ...p,
      riskLabel: riskLabel(p.risk),
      finding: p.findingId ? findings.find((f) => f.id === p.findingId)?.number : undefined,
      edit: { form, error: failed?.form === form ? failed.error : undefined, errors: errs(form), target: v('target'), entryPoint: v('entryPoint'), method: v('method'), steps: v('steps'), result: v('result'), testedAt: v('testedAt'), risks: PENTEST_RISKS.map((r) => ({ key: r, label: riskLabel(r), selected: r === risk })) },
      raise: { error: failed?.form === raiseForm ? failed.error : undefined, errors: errs(raiseForm), title: typed(raiseForm) ? str(typed(raiseForm)!.title) : '' },
    };
  });
  const scans = new ScansService(ctx);
  const vulnerabilities = await scans.vulnerabilities(assessmentId);
  const scanList = (await scans.list(assessmentId)).map((s) => ({
    ...s,
    vulnerabilities: vulnerabilities
      .filter((x) => x.scanId === s.id)
      .map((x) => {
        const form = `raise-vuln-${x.id}`;
        return { ...x, riskLabel: riskLabel(x.risk), finding: x.findingId ? findings.find((f) => f.id === x.findingId)?.number : undefined, raise: { error: failed?.form === form ? failed.error : undefined, errors: errs(form), title: typed(form) ? str(typed(form)!.title) : '' } };
      }),
  }));
  renderPage(
    req,
    res,
    'verification',
    {
      title: L.title,
      nav: 'systems',
      assessmentId,
      V: L,
      can,
      error: failed?.error,
      compensations: compensations.map((c) => ({
        ...c,
        kindLabel: L[`kind_${c.kind}`],
        effectLines: c.effects.map((x) => `${x.unit} ${riskLabel(x.before)} → ${riskLabel(x.after)}`),
        findingLines: c.findings.map((f) => `${f.number} ${riskLabel(f.riskBefore)} → ${riskLabel(f.riskAfter)}`),
        edit: compensationForm(`compensation-${c.id}`, c),
      })),
      newCompensation: compensationForm('compensation-new'),
      pentests,
      pentestImportError: failed?.form === 'pentest-import' ? failed.error : undefined,
      scans: scanList,
    },
    status,
  );
}

/**
 * Runs a form; a refused one (400, 409) renders the page again with what was typed and the errors
 * next to their fields. Anything else (403 for an auditor, 404) is the error page: nothing changes.
 */
async function verificationForm(req: Request, res: Response, assessmentId: string, form: string, fieldOf: (path: string) => string, action: () => Promise<string>): Promise<void> {
  try {
    res.redirect(303, await action());
  } catch (err) {
    if (!(err instanceof AppError) || ![400, 409, 413, 415, 422].includes(err.status)) throw err;
    const fieldErrors: Record<string, string> = {};
    for (const d of err.details) if (d.path) fieldErrors[fieldOf(d.path)] ??= detailWords(req, d);
    const L = V(req);
    const error = err.code === 'validation_failed' ? L.check_fields! : err.code === 'scan_format_invalid' ? L.import_invalid! : err.status === 409 ? L.conflict! : L.check_fields!;
    await renderVerification(req, res, assessmentId, { form, values: { ...(req.body as Record<string, unknown>) }, fieldErrors, error }, err.status);
  }
}

const page = (assessmentId: string, anchor: string) => `/assessments/${assessmentId}/verification#${anchor}`;
const idOf = (req: Request) => idParams.parse(req.params).id;

/** The compensation form's fields as the API's body: effect rows with a unit, findings with a risk after. */
function compensationInput(req: Request, b: Record<string, unknown>) {
  const rows = Number(b._rows ?? 0);
  const effectIndex: number[] = [];
  const effects = [];
  for (let i = 0; i < Math.min(rows, 200); i++) {
    if (!str(b[`unit${i}`])) continue;
    effectIndex.push(i);
    effects.push({ unit: str(b[`unit${i}`]), before: str(b[`before${i}`]), after: str(b[`after${i}`]) });
  }
  const findingIds: string[] = [];
  const findings = [];
  for (const [k, v] of Object.entries(b)) {
    if (!k.startsWith('finding_') || !str(v)) continue;
    findingIds.push(k.slice('finding_'.length));
    findings.push({ findingId: k.slice('finding_'.length), riskAfter: str(v) });
  }
  const fieldOf = (path: string) => {
    const [top, i, leaf] = path.split('.');
    if (top === 'effects' && i !== undefined) return leaf === 'after' ? `after${effectIndex[Number(i)]}` : `unit${effectIndex[Number(i)]}`;
    if (top === 'findings' && i !== undefined) return `finding_${findingIds[Number(i)]}`;
    return top === 'effects' ? 'unit0' : top!;
  };
  const input = { kind: str(b.kind), measure: str(b.measure), reasoning: str(b.reasoning), effects, findings };
  return { input, fieldOf };
}

function parse<S extends z.ZodType>(req: Request, schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ValidationError({}, formIssues(req, parsed.error.issues));
}

verificationFormsRouter.get('/assessments/:id/verification', signedIn, async (req, res) => {
  await renderVerification(req, res, idOf(req));
});

// ---- compensations (整体测评, chapter 6) ----
verificationFormsRouter.post('/assessments/:id/compensations', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const { input, fieldOf } = compensationInput(req, req.body as Record<string, unknown>);
  await verificationForm(req, res, id, 'compensation-new', fieldOf, async () => {
    const c = await new CompensationsService(serviceContext(req)).create(id, parse(req, compensationBody, input));
    return page(id, `compensation-${c.id}`);
  });
});

verificationFormsRouter.post('/compensations/:id/edit', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const service = new CompensationsService(serviceContext(req));
  const current = await service.get(id);
  const { input, fieldOf } = compensationInput(req, req.body as Record<string, unknown>);
  await verificationForm(req, res, current.assessmentId, `compensation-${id}`, fieldOf, async () => {
    const body = parse(req, compensationBody.extend({ rowVersion: z.number().int().min(1) }), { ...input, rowVersion: Number((req.body as Record<string, unknown>).rowVersion) });
    await service.update(id, body);
    return page(current.assessmentId, `compensation-${id}`);
  });
});

verificationFormsRouter.post('/compensations/:id/remove', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const service = new CompensationsService(serviceContext(req));
  const current = await service.get(id);
  await verificationForm(req, res, current.assessmentId, `compensation-${id}`, (p) => p, async () => {
    await service.remove(id);
    return page(current.assessmentId, 'compensations');
  });
});

// ---- penetration test cases ----
verificationFormsRouter.post('/pentests/:id/edit', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const service = new PentestsService(serviceContext(req));
  const current = await service.get(id);
  const b = req.body as Record<string, unknown>;
  const opt = (k: string) => str(b[k]) || null;
  await verificationForm(req, res, current.assessmentId, `pentest-${id}`, (p) => p.split('.')[0]!, async () => {
    const body = parse(req, patchPentestsIdBody, { target: opt('target') ?? current.target, entryPoint: opt('entryPoint'), method: str(b.method), steps: opt('steps'), result: str(b.result), risk: str(b.risk), testedAt: opt('testedAt'), rowVersion: Number(b.rowVersion) });
    await service.update(id, body);
    return page(current.assessmentId, `pentest-${id}`);
  });
});

verificationFormsRouter.post('/pentests/:id/remove', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const service = new PentestsService(serviceContext(req));
  const current = await service.get(id);
  await verificationForm(req, res, current.assessmentId, `pentest-${id}`, (p) => p, async () => {
    await service.remove(id);
    return page(current.assessmentId, 'pentests');
  });
});

/** Raising a finding: the title (optional: the test case's or vulnerability's own) and its risk. */
const raiseInput = (b: Record<string, unknown>) => ({ ...(str(b.title) ? { title: str(b.title) } : {}), ...(str(b.risk) ? { risk: str(b.risk) } : {}) });

verificationFormsRouter.post('/pentests/:id/finding', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const current = await new PentestsService(serviceContext(req)).get(id);
  await verificationForm(req, res, current.assessmentId, `raise-pentest-${id}`, (p) => p.split('.')[0]!, async () => {
    await new RaiseFindingService(serviceContext(req)).fromPentest(id, parse(req, raiseBody, raiseInput(req.body as Record<string, unknown>)));
    return page(current.assessmentId, `pentest-${id}`);
  });
});

/** The pen-test CSV layout (README "Penetration tests"); multipart, so its CSRF token is in the query. */
verificationFormsRouter.post('/assessments/:id/pentests/import', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  await new AssessmentsService(serviceContext(req)).loadWritable(id); // 403/404/409 before the body is read
  await verificationForm(req, res, id, 'pentest-import', (p) => p, async () => {
    const file = await readUploadToMemory(req, 5 * 1024 * 1024);
    await new PentestsService(serviceContext(req)).importCsv(id, file.content);
    return page(id, 'pentests');
  });
});

// ---- scanner reports ----
verificationFormsRouter.post('/scans/:id/remove', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const service = new ScansService(serviceContext(req));
  const current = await service.get(id);
  await verificationForm(req, res, current.assessmentId, `scan-${id}`, (p) => p, async () => {
    await service.remove(id);
    return page(current.assessmentId, 'scans');
  });
});

verificationFormsRouter.post('/scan-vulnerabilities/:id/finding', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const ctx = serviceContext(req);
  const vuln = await ctx.knex('scan_vulnerabilities').where({ id }).first('assessment_id');
  if (!vuln) throw new NotFoundError({ resource: 'scan_vulnerability', id });
  const assessmentId = String(vuln.assessment_id);
  await verificationForm(req, res, assessmentId, `raise-vuln-${id}`, (p) => p.split('.')[0]!, async () => {
    await new RaiseFindingService(ctx).fromVulnerability(id, parse(req, raiseBody, raiseInput(req.body as Record<string, unknown>)));
    return page(assessmentId, `vuln-${id}`);
  });
});
