import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { OrganizationScope } from '../context.js';
import { AppError, NotFoundError } from '../errors.js';
import { deps, serviceContext } from '../http/request.js';
import { patchSystemsIdProtectionPlansPidBody } from '../routes/filing-2025.js';
import { ProtectionPlansService, type PlanContent } from '../systems/protection-plans.js';
import { SystemsService } from '../systems/service.js';
import { requireCsrf } from './csrf.js';
import { formBody, formRows, given, lines, parseForm } from './form-parse.js';
import { detailText } from './page-errors.js';
import { renderPage, signedIn } from './render.js';
import { systemIdOf } from './system-page.js';
import { failureSummary } from './system-pages.js';

/**
 * A protection work plan's page (保护工作方案): the year's plan as drafted, edited by the officer —
 * assets, existing measures, major risk hazards with their causes, the approach, the plan items
 * (owner, due date) — and its adoption date. Checked with the API's PATCH schema.
 */
export const planPagesRouter = Router();

const NO_ID = '00000000-0000-4000-8000-000000000000';
const ROWS = {
  assets: ['name', 'category', 'importance'],
  hazards: ['number', 'trigger', 'title', 'cause'],
  plan: ['item', 'owner', 'due'],
} as const;
type RowList = keyof typeof ROWS;
/** Blank rows offered after each list's rows (more after saving). */
const BLANK_ROWS = 2;

interface Failed {
  values: Record<string, string | undefined>;
  error: string;
  fieldErrors: Record<string, string>;
}

const ids = (req: Request) => ({ systemId: systemIdOf(req) ?? NO_ID, planId: z.uuid().safeParse(req.params.pid).data ?? NO_ID });

/** The plan's content as typed (rows with blanks dropped, measures one a line). */
function typedContent(b: Record<string, string | undefined>) {
  return {
    assets: formRows(b, 'assets', ROWS.assets).map(given),
    measures: lines(b.measures),
    hazards: formRows(b, 'hazards', ROWS.hazards).map(given),
    approach: (b.approach ?? '').trim(),
    plan: formRows(b, 'plan', ROWS.plan).map(given),
  };
}

export async function renderPlanPage(req: Request, res: Response, systemId: string, planId: string, failed?: Failed, status = 200): Promise<void> {
  const ctx = serviceContext(req);
  const system = await new SystemsService(ctx).get(systemId);
  const plan = (await new ProtectionPlansService(ctx).list(systemId)).find((p) => p.id === planId);
  if (!plan) throw new NotFoundError({ resource: 'protection_plan', id: planId });
  const content: PlanContent = failed ? (typedContent(failed.values) as PlanContent) : plan.content;
  const fe = failed?.fieldErrors ?? {};
  // An asset's category and importance are codes (the objects'): chosen from their names, never shown raw.
  const catalogue = deps(req).catalogue;
  const pick = (t: { zh: string; en: string }) => (req.lang === 'zh-CN' ? t.zh : t.en);
  const choices: Record<string, Array<{ value: string; label: string }>> = {
    category: catalogue.meta.objectCategories.map((c) => ({ value: c.code, label: pick(c) })),
    importance: [{ value: '', label: '—' }, ...(['key', 'important', 'general'] as const).map((k) => ({ value: k, label: pick(catalogue.meta.weights[k]!) }))],
  };
  const options = (list: RowList, field: string, value: string) => {
    const known = list === 'assets' ? choices[field] : undefined;
    if (!known) return null;
    const all = value && !known.some((o) => o.value === value) ? [...known, { value, label: value }] : known;
    return all.map((o) => ({ ...o, selected: o.value === value }));
  };
  const rows = (list: RowList) => {
    const stored = (content[list] as Array<Record<string, string | undefined>>).map((r) => Object.fromEntries(ROWS[list].map((f) => [f, r[f] ?? ''])));
    const blank = Object.fromEntries(ROWS[list].map((f) => [f, '']));
    return [...stored, ...Array.from({ length: BLANK_ROWS }, () => ({ ...blank }))].map((r, i) => ({
      i,
      cells: ROWS[list].map((f) => {
        const opts = options(list, f, r[f] ?? '');
        return { name: `${list}[${i}][${f}]`, field: f, value: r[f], shown: opts?.find((o) => o.selected)?.label ?? r[f], options: opts, label: req.t(`sysforms.plan_${list}_${f}`), date: f === 'due', error: fe[`${list}.${i}.${f}`] ?? '' };
      }),
    }));
  };
  renderPage(
    req,
    res,
    'protection-plan',
    {
      title: `${req.t('filing2025.protection_plan')} ${plan.year} · ${system.name}`,
      nav: 'systems',
      system,
      plan,
      can: { manage: new OrganizationScope(ctx.caller).can(system.organizationId, 'manage') },
      adoptedOn: failed ? (failed.values.adoptedOn ?? '') : (plan.adoptedOn ?? ''),
      approach: content.approach,
      measures: content.measures.join('\n'),
      lists: (Object.keys(ROWS) as RowList[]).map((list) => ({ key: list, label: req.t(`sysforms.plan_${list}`), rows: rows(list), error: fe[list] ?? '' })),
      fieldErrors: fe,
      error: failed?.error ?? null,
    },
    status,
  );
}

planPagesRouter.get('/systems/:id/protection-plans/:pid', signedIn, async (req, res) => {
  const { systemId, planId } = ids(req);
  await renderPlanPage(req, res, systemId, planId);
});

planPagesRouter.post('/systems/:id/protection-plans/:pid', signedIn, requireCsrf, async (req, res) => {
  const { systemId, planId } = ids(req);
  try {
    await new SystemsService(serviceContext(req)).load(systemId, 'manage'); // permission before the body
    const b = formBody(req);
    const input = parseForm(req, patchSystemsIdProtectionPlansPidBody, { content: typedContent(b), adoptedOn: b.adoptedOn || null }, { due: 'date' });
    await new ProtectionPlansService(serviceContext(req)).update(systemId, planId, input);
    res.redirect(303, `/systems/${systemId}/protection-plans/${planId}`);
  } catch (err) {
    // Not allowed (403) or no such plan (404): the error page; the plan is not shown to re-edit.
    if (!(err instanceof AppError) || err.status >= 500 || err.status === 404 || err.status === 403) throw err;
    const fieldErrors: Record<string, string> = {};
    for (const d of err.details) if (d.path) fieldErrors[d.path.replace(/^content\./, '')] ??= detailText(req, d);
    for (const d of err.details) if (d.path) fieldErrors[d.path.replace(/^content\./, '').split('.')[0]!] ??= detailText(req, d);
    await renderPlanPage(req, res, systemId, planId, { values: formBody(req), error: failureSummary(req, err), fieldErrors }, err.status);
  }
});
