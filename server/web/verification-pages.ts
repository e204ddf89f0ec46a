import { Router, type Request } from 'express';
import { z } from 'zod';
import { FindingsService, type FindingView } from '../assessments/findings.js';
import { AssessmentsService } from '../assessments/service.js';
import { AppError } from '../errors.js';
import { readUploadToMemory } from '../http/memory-upload.js';
import { RiskAnalysisService } from '../assessments/risk-analysis.js';
import { deps, serviceContext } from '../http/request.js';
import { SCAN_FILE_LIMIT_BYTES } from '../verification/formats.js';
import { PENTEST_RISKS, PentestsService } from '../verification/pentests.js';
import { ScansService } from '../verification/scans.js';
import { verificationTables } from '../verification/tables.js';
import { postAssessmentsIdPentestsBody } from '../routes/verification.js';
import { requireCsrf } from './csrf.js';
import { parseForm } from './form-issues.js';
import { errorText } from './page-errors.js';
import { renderPage, signedIn } from './render.js';
import { formAction } from './system-pages.js';

/**
 * On the findings board: each finding's risk analysis (threat classes, harm, likelihood × impact,
 * override with a reason; suggestions shown as such, never pre-filled), the scans imported and the
 * pen-test cases with a form to add one.
 */
export const verificationPagesRouter = Router();

const pick = (req: Request, t: { zh: string; en: string }) => (req.lang === 'zh-CN' ? t.zh : t.en);
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v ? [v] : []);
const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : null);

export async function verificationBoard(req: Request, assessmentId: string, findings: FindingView[]) {
  const ctx = serviceContext(req);
  const tables = verificationTables();
  const analysis = new RiskAnalysisService(ctx);
  const riskLabel = (r: string | null) => (r ? req.t(`report.${r}`) : '');
  const rows = [];
  for (const f of findings) {
    const s = await analysis.suggest(f.id);
    const suggested = new Set(s.threats.map((t) => t.code));
    const scale = (values: Array<{ value: number; zh: string; en: string }>, current: number | null, hint: number | null) =>
      values.map((v) => ({ value: v.value, label: `${v.value} ${pick(req, v)}${hint === v.value ? ` (${req.t('verification.ui.suggest')})` : ''}`, selected: current === v.value }));
    rows.push({
      id: f.id,
      number: f.number,
      title: f.title,
      rowVersion: f.rowVersion,
      harm: f.harm,
      risk: f.risk,
      matrixRisk: riskLabel(f.riskAnalysis.matrixRisk),
      overrideReason: f.riskAnalysis.overrideReason,
      sources: f.sources.map((x) => x.label).join('；'),
      threats: tables.threats.threats.map((t) => ({ code: t.code, name: pick(req, t.name), checked: f.riskAnalysis.threats.includes(t.code), suggested: suggested.has(t.code) })),
      likelihood: scale(tables.matrix.likelihood, f.riskAnalysis.likelihood, s.likelihood?.value ?? null),
      impact: scale(tables.matrix.impact, f.riskAnalysis.impact, s.impact?.value ?? null),
    });
  }
  return {
    V: req.t('verification.ui', { returnObjects: true }) as unknown as Record<string, string>,
    S: req.t('verification.scan_upload', { returnObjects: true }) as unknown as Record<string, string>,
    riskRows: rows,
    scans: await new ScansService(ctx).list(assessmentId),
    pentests: (await new PentestsService(ctx).list(assessmentId)).map((p) => ({ ...p, riskLabel: p.risk === 'none' ? req.t('verification.ui.none') : riskLabel(p.risk) })),
    pentestRisks: PENTEST_RISKS.map((r) => ({ key: r, label: r === 'none' ? req.t('verification.ui.none') : riskLabel(r) })),
  };
}

const board = async (req: Request, findingId: string) => `/assessments/${(await new FindingsService(serviceContext(req)).get(findingId)).assessmentId}/findings`;

verificationPagesRouter.post('/findings/:id/risk-analysis', signedIn, requireCsrf, async (req, res) => {
  const id = z.uuid().parse(req.params.id);
  const back = await board(req, id);
  return formAction(req, res, back, async () => {
    const b = req.body as Record<string, unknown>;
    const overrideRisk = text(b.overrideRisk);
    await new RiskAnalysisService(serviceContext(req)).save(id, {
      rowVersion: Number(b.rowVersion),
      threats: list(b.threats),
      harm: text(b.harm),
      likelihood: Number(b.likelihood),
      impact: Number(b.impact),
      override: overrideRisk && ['high', 'medium', 'low'].includes(overrideRisk) ? { risk: overrideRisk as 'high', reason: text(b.overrideReason) ?? '' } : null,
    });
    return `${back}#risk-${id}`;
  });
});

/** The pen-test form's fields by the words on the form (its placeholders). */
const pentestLabels = (req: Request) => (path: string) => {
  const key = { target: 'target', entryPoint: 'entry_point', method: 'method', steps: 'steps', result: 'result', risk: 'risk', testedAt: 'tested_at' }[path.split('.')[0]!];
  return key ? req.t(`verification.ui.${key}`) : undefined;
};

verificationPagesRouter.post('/assessments/:id/pentests', signedIn, requireCsrf, async (req, res) => {
  const id = z.uuid().parse(req.params.id);
  const back = `/assessments/${id}/findings`;
  return formAction(req, res, back, async () => {
    const b = req.body as Record<string, unknown>;
    // The API's own schema (lengths, the risk list), its refusals in the user's words.
    const input = parseForm(req, postAssessmentsIdPentestsBody, { objectId: text(b.objectId), target: text(b.target), entryPoint: text(b.entryPoint), method: text(b.method) ?? undefined, steps: text(b.steps), result: text(b.result) ?? undefined, risk: text(b.risk) ?? undefined, testedAt: text(b.testedAt) });
    await new PentestsService(serviceContext(req)).create(id, [input]);
    return `${back}#pentests`;
  }, pentestLabels(req));
});

/**
 * The scanner upload form (Nessus / OpenVAS / CSV) on the findings board: the same reader and
 * service as `POST /api/v1/assessments/:id/scans`. "Preview" is the dry run (nothing written),
 * "Import" imports (a file imported before is not counted twice); either way the page shows the
 * hosts matched and unmatched and the counts by risk, or the refusal in the page's language.
 */
verificationPagesRouter.post('/assessments/:id/scans', signedIn, requireCsrf, async (req, res) => {
  const id = z.uuid().parse(req.params.id);
  const ctx = serviceContext(req);
  const service = new ScansService(ctx, deps(req).store);
  await new AssessmentsService(ctx).loadWritable(id); // 403/404/409 as an error page before the body is read
  const S = req.t('verification.scan_upload', { returnObjects: true }) as unknown as Record<string, string>;
  const view = { title: S.title, nav: 'systems', assessmentId: id, S, risk: { high: req.t('report.high'), medium: req.t('report.medium'), low: req.t('report.low') } };
  try {
    const file = await readUploadToMemory(req, SCAN_FILE_LIMIT_BYTES);
    const input = { content: file.content, fileName: file.fileName };
    let state: string;
    let shown: { fileName: string; scanner: string; scannerVersion: string | null; scannedAt: string | null; counts: Record<string, number>; informational: number; hosts: Array<{ host: string | null; hostname: string | null; objectId: string | null; reason?: string }> };
    if (file.fields.action === 'preview') {
      shown = await service.preview(id, input);
      state = S.previewed!;
    } else {
      const { created, scan } = await service.import(id, input);
      shown = scan;
      state = req.t(created ? 'verification.scan_upload.imported' : 'verification.scan_upload.duplicate', { number: scan.number });
    }
    const ids = shown.hosts.map((h) => h.objectId).filter((x): x is string => !!x);
    const names = new Map<string, string>(ids.length ? (await ctx.knex('assessed_objects').whereIn('id', ids).select('id', 'name')).map((o: { id: string; name: string }) => [o.id, o.name]) : []);
    const hosts = shown.hosts.map((h) => ({ host: h.host, hostname: h.hostname, objectName: h.objectId ? (names.get(h.objectId) ?? null) : null, reasonLabel: h.objectId ? '' : (S[`reason_${h.reason}`] ?? S.unmatched) }));
    renderPage(req, res, 'scan-import', { ...view, result: { ...shown, state, hosts, matched: hosts.filter((h) => h.objectName).length, unmatched: hosts.filter((h) => !h.objectName).length } });
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    renderPage(req, res, 'scan-import', { ...view, error: errorText(req, err) }, err.status);
  }
});
