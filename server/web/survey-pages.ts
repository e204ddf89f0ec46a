import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { OrganizationScope } from '../context.js';
import { AppError, ValidationError } from '../errors.js';
import { serviceContext } from '../http/request.js';
import { DATA_LEVELS, DataSurveyService, dataCategorySchema, dataSurveySchema, PROCESSING, type DataCategory } from '../systems/data-survey.js';
import { SystemsService } from '../systems/service.js';
import { requireCsrf } from './csrf.js';
import { formBody, lines, parseForm } from './form-parse.js';
import { detailText } from './page-errors.js';
import { renderPage, signedIn } from './render.js';
import { systemIdOf } from './system-page.js';
import { failureSummary } from './system-pages.js';

/**
 * The data survey's page (数据摸底调查表): the data categories recorded, one form to add a category or
 * edit one, and removing one. Each category is checked with the API's schema, then the whole survey
 * (one sheet per category: a name may not repeat).
 */
export const surveyPagesRouter = Router();

const NO_ID = '00000000-0000-4000-8000-000000000000';
const sid = (req: Request) => systemIdOf(req) ?? NO_ID;
const TEXTS = ['category', 'description', 'businessScope', 'source', 'sharedWith', 'crossBorderDestination', 'securityMeasures', 'responsibleDepartment'] as const;
const NUMBERS = ['recordCount', 'sizeGb', 'personCount'] as const;
const FLAGS = ['personalInformation', 'sensitivePersonalInformation', 'crossBorder'] as const;
const LONG = new Set(['description', 'securityMeasures', 'sharedWith']);

interface Failed {
  values: Record<string, string | undefined>;
  error: string;
  fieldErrors: Record<string, string>;
}

/** What the form shows: a stored category, or the fields as typed. */
function formValues(c: DataCategory | undefined): Record<string, string | undefined> {
  if (!c) return { level: 'general' };
  const v: Record<string, string | undefined> = {};
  for (const k of TEXTS) v[k] = c[k] ?? '';
  for (const k of NUMBERS) v[k] = c[k] === undefined ? '' : String(c[k]);
  for (const k of FLAGS) v[k] = c[k] ? '1' : '';
  v.level = c.level;
  v.storageLocations = c.storageLocations.join('\n');
  for (const p of PROCESSING) v[`proc_${p}`] = c.processing?.includes(p) ? '1' : '';
  return v;
}

export async function renderSurveyPage(req: Request, res: Response, systemId: string, edit: number | null, failed?: Failed, status = 200): Promise<void> {
  const ctx = serviceContext(req);
  const system = await new SystemsService(ctx).get(systemId);
  const { survey, rule } = await new DataSurveyService(ctx).get(systemId);
  const categories = survey?.categories ?? [];
  const editing = edit !== null && edit >= 0 && edit < categories.length ? edit : null;
  const v = failed?.values ?? formValues(editing === null ? undefined : categories[editing]);
  const fe = failed?.fieldErrors ?? {};
  const level = (l: string) => req.t(`sysforms.level_${l}`);
  const yes = (b: boolean) => req.t(b ? 'sysforms.yes' : 'sysforms.no');
  renderPage(
    req,
    res,
    'data-survey',
    {
      title: `${req.t('filing2025.data_survey')} · ${system.name}`,
      nav: 'systems',
      system,
      can: { manage: new OrganizationScope(ctx.caller).can(system.organizationId, 'manage') },
      rule: `${req.lang === 'zh-CN' ? rule.zh : rule.en}（${rule.source}）`,
      categories: categories.map((c, i) => ({
        i,
        category: c.category,
        levelLabel: level(c.level),
        storage: c.storageLocations.join(req.t('enum.list_separator')),
        personal: yes(c.personalInformation),
        crossBorder: c.crossBorder ? `${yes(true)}（${c.crossBorderDestination ?? ''}）` : yes(false),
        processing: (c.processing ?? []).map((p) => req.t(`sysforms.processing_${p}`)).join(req.t('enum.list_separator')),
      })),
      editing,
      texts: TEXTS.map((key) => ({ key, label: req.t(`sysforms.field_${key}`), long: LONG.has(key), value: v[key] ?? '', error: fe[key] ?? '' })),
      numbers: NUMBERS.map((key) => ({ key, label: req.t(`sysforms.field_${key}`), value: v[key] ?? '', error: fe[key] ?? '' })),
      flags: FLAGS.map((key) => ({ key, label: req.t(`sysforms.field_${key}`), checked: v[key] === '1', error: fe[key] ?? '' })),
      levels: DATA_LEVELS.map((key) => ({ key, label: level(key), selected: v.level === key })),
      levelError: fe.level ?? '',
      storageLocations: v.storageLocations ?? '',
      storageError: fe.storageLocations ?? '',
      processing: PROCESSING.map((key) => ({ key, label: req.t(`sysforms.processing_${key}`), checked: v[`proc_${key}`] === '1' })),
      error: failed?.error ?? null,
    },
    status,
  );
}

/** The category as typed, in the API's shape (numbers as numbers, ticks as booleans, one storage place a line). */
function typedCategory(b: Record<string, string | undefined>): Record<string, unknown> {
  const c: Record<string, unknown> = {};
  for (const k of TEXTS) c[k] = b[k]?.trim() || undefined;
  const bad = NUMBERS.filter((k) => b[k]?.trim() && !/^\d+(\.\d+)?$/.test(b[k]!.trim()));
  if (bad.length) throw new ValidationError({}, bad.map((k) => ({ path: k, code: 'invalid_type', message: 'a number', rule: 'number' })));
  for (const k of NUMBERS) c[k] = b[k]?.trim() ? Number(b[k]!.trim()) : undefined;
  for (const k of FLAGS) c[k] = b[k] === '1';
  c.level = b.level || undefined;
  c.storageLocations = lines(b.storageLocations);
  c.processing = PROCESSING.filter((p) => b[`proc_${p}`] === '1');
  return c;
}

/** Runs a survey form; a refusal renders the page again with what was typed and each error beside its field. */
async function surveyForm(req: Request, res: Response, edit: number | null, action: () => Promise<void>): Promise<void> {
  const systemId = sid(req);
  try {
    await action();
    res.redirect(303, `/systems/${systemId}/data-survey`);
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500 || err.status === 404) throw err;
    const fieldErrors: Record<string, string> = {};
    // The whole survey's errors name a category's field (categories.3.category): shown on that field.
    for (const d of err.details) if (d.path) fieldErrors[d.path.replace(/^categories\.\d+\./, '')] ??= detailText(req, d);
    await renderSurveyPage(req, res, systemId, edit, { values: formBody(req), error: failureSummary(req, err), fieldErrors }, err.status);
  }
}

const editIndex = (v: unknown): number | null => (typeof v === 'string' && /^\d{1,3}$/.test(v) ? Number(v) : null);

surveyPagesRouter.get('/systems/:id/data-survey', signedIn, async (req, res) => {
  const id = systemIdOf(req);
  if (!id) return res.redirect(303, '/systems');
  await renderSurveyPage(req, res, id, editIndex(req.query.edit));
});

/** Adds a category, or replaces the one at `index` (the form opened with ?edit=<index>). */
surveyPagesRouter.post('/systems/:id/data-survey', signedIn, requireCsrf, (req, res) => {
  const index = editIndex(formBody(req).index);
  return surveyForm(req, res, index, async () => {
    await new SystemsService(serviceContext(req)).load(sid(req), 'manage'); // permission before the body
    const service = new DataSurveyService(serviceContext(req));
    const category = parseForm(req, dataCategorySchema, typedCategory(formBody(req)));
    const categories = [...((await service.get(sid(req))).survey?.categories ?? [])];
    if (index !== null && index < categories.length) categories[index] = category;
    else categories.push(category);
    await service.put(sid(req), parseForm(req, dataSurveySchema, { categories }));
  });
});

surveyPagesRouter.post('/systems/:id/data-survey/remove', signedIn, requireCsrf, (req, res) =>
  surveyForm(req, res, null, async () => {
    await new SystemsService(serviceContext(req)).load(sid(req), 'manage');
    const { index } = parseForm(req, z.strictObject({ index: z.coerce.number().int().min(0).max(99) }), { index: formBody(req).index });
    const service = new DataSurveyService(serviceContext(req));
    const categories = ((await service.get(sid(req))).survey?.categories ?? []).filter((_, i) => i !== index);
    await service.put(sid(req), parseForm(req, dataSurveySchema, { categories }));
  }),
);
