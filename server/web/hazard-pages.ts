import { Router, type Request } from 'express';
import { z } from 'zod';
import type { FindingView } from '../assessments/findings.js';
import { HazardSuggestionsService } from '../assessments/hazard-suggestions.js';
import { HAZARD_STATUSES, hazardCounts, HazardsService, type HazardStatus } from '../assessments/hazards.js';
import { shippedTriggers } from '../catalogue/triggers.js';
import { isDate } from '../dates.js';
import { transaction } from '../database/transaction.js';
import { serviceContext } from '../http/request.js';
import { requireCsrf } from './csrf.js';
import { signedIn } from './render.js';
import { formAction } from './system-pages.js';

/** 重大风险隐患 on the findings board: the view data and the form posts (record, edit, move status). */
export const hazardPagesRouter = Router();

const pick = (req: Request, t: { zh: string; en: string }) => (req.lang === 'zh-CN' ? t.zh : t.en);
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' && v ? [v] : []);
const text = (v: unknown): string | null => (typeof v === 'string' && v.trim() ? v.trim() : null);

/** What the findings board shows of hazards: the list beside high-risk issues, suggestions and the form. */
export async function hazardBoard(req: Request, assessmentId: string, findings: FindingView[]) {
  const ctx = serviceContext(req);
  const hazards = await new HazardsService(ctx).list(assessmentId);
  const suggestions = await new HazardSuggestionsService(ctx).suggest(assessmentId);
  const counts = hazardCounts(hazards);
  const H = req.t('hazard', { returnObjects: true }) as unknown as Record<string, string>;
  const status = (s: HazardStatus) => H[`status_${s}`] ?? s;
  return {
    H,
    hazardCount: pick(req, counts.display),
    highRiskIssues: findings.filter((f) => f.effectiveRisk === 'high').map((f) => ({ number: f.number, title: f.title })),
    hazards: hazards.map((h) => ({
      ...h,
      triggerTitle: pick(req, h.trigger.title),
      statusLabel: status(h.status),
      findingNumbers: h.findings.map((f) => f.number).join(req.lang === 'zh-CN' ? '、' : ', '),
      moves: h.allowedTransitions.map((to) => ({ to, label: H[`to_${to}`] ?? to })),
    })),
    suggestions: suggestions.map((s) => ({
      code: s.trigger.code,
      title: pick(req, s.trigger.title),
      basisLabel: H[`basis_${s.basis}`],
      findings: s.findings,
      findingNumbers: s.findings.map((f) => f.number).join(req.lang === 'zh-CN' ? '、' : ', '),
      recorded: s.recorded.map((r) => `${r.number} ${status(r.status as HazardStatus)}`).join(req.lang === 'zh-CN' ? '、' : ', '),
    })),
    triggerOptions: shippedTriggers().triggers.map((t) => ({ code: t.code, title: pick(req, t.title), crossCutting: t.crossCutting })),
    findingOptions: findings.map((f) => ({ id: f.id, number: f.number, title: f.title })),
  };
}

const boardOf = async (req: Request, hazardId: string) => `/assessments/${(await new HazardsService(serviceContext(req)).get(hazardId)).assessmentId}/findings`;

/** Record a hazard (always suspected): from a suggestion or from the form with chosen findings. */
hazardPagesRouter.post('/assessments/:id/hazards', signedIn, requireCsrf, (req, res) => {
  const id = z.uuid().parse(req.params.id);
  const back = `/assessments/${id}/findings`;
  return formAction(req, res, back, async () => {
    const b = req.body as Record<string, unknown>;
    const findingIds = list(b.findingIds).filter((x) => z.uuid().safeParse(x).success);
    const h = await new HazardsService(serviceContext(req)).create(id, {
      triggerCode: String(b.triggerCode ?? ''),
      findingIds,
      description: text(b.description),
      principles: { relevance: text(b.relevance), severity: text(b.severity), prevalence: text(b.prevalence) },
    });
    return `${back}#hazard-${h.number}`;
  });
});

/** Save a hazard's reasons and description, then (when a button named `to` was pressed) move its status. */
hazardPagesRouter.post('/hazards/:id', signedIn, requireCsrf, async (req, res) => {
  const id = z.uuid().parse(req.params.id);
  const back = await boardOf(req, id);
  return formAction(req, res, back, async () => {
    const b = req.body as Record<string, unknown>;
    const to = HAZARD_STATUSES.find((s) => s === b.to);
    const date = typeof b.date === 'string' && isDate(b.date) ? b.date : undefined;
    const ctx = serviceContext(req);
    // One transaction: the reasons a confirmation needs are saved with it, or neither is.
    await transaction(ctx.knex, async (trx) => {
      const hazards = new HazardsService({ knex: trx, caller: ctx.caller });
      let h = await hazards.get(id, trx);
      const principles = { relevance: text(b.relevance), severity: text(b.severity), prevalence: text(b.prevalence) };
      const description = text(b.description);
      const changed = description !== h.description || (Object.keys(principles) as Array<keyof typeof principles>).some((k) => principles[k] !== h.principles[k]);
      if (changed) h = await hazards.update(id, { rowVersion: Number(b.rowVersion), description, principles });
      else if (Number(b.rowVersion) !== h.rowVersion) h = await hazards.update(id, { rowVersion: Number(b.rowVersion) }); // reports the stale version
      if (to) await hazards.transition(id, { to, date, rowVersion: h.rowVersion });
    });
    return `${back}#hazard-${(await new HazardsService(ctx).get(id)).number}`;
  });
});

hazardPagesRouter.post('/hazards/:id/remove', signedIn, requireCsrf, async (req, res) => {
  const id = z.uuid().parse(req.params.id);
  const back = await boardOf(req, id);
  return formAction(req, res, back, async () => {
    await new HazardsService(serviceContext(req)).remove(id);
    return back;
  });
});
