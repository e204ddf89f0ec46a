import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { AppError } from '../errors.js';
import { ExtraItemsService, extraItemFields } from '../assessments/extra-items.js';
import { fillTemplate, recordTemplates } from '../assessments/record-templates.js';
import { copyResultSchema, METHODS, ResultsService, type ResultInput } from '../assessments/results.js';
import { AssessmentsService } from '../assessments/service.js';
import { EVIDENCE_KINDS } from '../database/migrations/20261126C-evidence.js';
import { EvidenceService } from '../evidence/service.js';
import { deps, serviceContext } from '../http/request.js';
import { parseUpload } from '../http/multipart.js';
import { validateValue } from '../http/validate.js';
import { requireCsrf } from './csrf.js';
import { errorText } from './page-errors.js';
import { signedIn } from './render.js';

/**
 * The workspace's forms (they work without JavaScript): each answers with a redirect back to the
 * same page and row (`#r-<result id>`), so the user keeps their place; a 4xx comes back as a
 * translated message on the page.
 */
export const workspaceWritesRouter = Router();

const idOf = (req: Request) => z.uuid().parse(req.params.id);
/** Back to the workspace page the form came from, at the row's anchor. */
const backTo = (id: string, back: unknown, anchor?: string) => {
  // `back` is the page's query (?layer=…&cp=…): the path is always this assessment's workspace.
  const query = typeof back === 'string' && /^\?[\w=&%.:-]*$/.test(back) ? back : '';
  const base = `/assessments/${id}${query}`;
  return anchor ? `${base}#${anchor}` : base;
};

async function formWrite(req: Request, res: Response, id: string, anchor: string | undefined, action: () => Promise<void>): Promise<void> {
  const back = (req.body as Record<string, unknown>)?.back;
  try {
    await action();
    res.redirect(303, backTo(id, back, anchor));
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    const base = backTo(id, back);
    const detail = err.details.map((d) => req.t(`ws.problem_${d.code}`, { defaultValue: '' })).filter(Boolean);
    const text = [errorText(req, err), ...new Set(detail)].join(' — ');
    res.redirect(303, `${base}${base.includes('?') ? '&' : '?'}${new URLSearchParams({ error: text })}${anchor ? `#${anchor}` : ''}`);
  }
}

/** One result (value buttons of a row); an empty record with a template chosen takes the template's text. */
workspaceWritesRouter.post('/assessments/:id/results', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const body = z
    .object({
      code: z.string().max(20),
      objectId: z.string().max(40),
      value: z.enum(['conform', 'partial', 'nonconform', 'na']),
      record: z.string().max(20000).optional(),
      template: z.enum(['', ...METHODS]).optional(),
      rowVersion: z.coerce.number().int(),
      resultId: z.string().max(40).optional(),
      back: z.string().max(2000).optional(),
    })
    .parse(req.body);
  const anchor = body.resultId && /^[0-9a-f-]{36}$/.test(body.resultId) ? `r-${body.resultId}` : undefined;
  await formWrite(req, res, id, anchor, async () => {
    const objectId = body.objectId === 'system' ? null : body.objectId;
    let record = body.record?.trim() ? body.record : null;
    const template = body.template ? recordTemplates().find((t) => t.method === body.template) : undefined;
    if (!record && template) {
      const name = objectId ? (await serviceContext(req).knex('assessed_objects').where({ id: objectId }).first('name'))?.name : undefined;
      record = fillTemplate(template, req.lang, { object: name ?? req.t('ui.whole_system'), unit: body.code });
    }
    const input: ResultInput = { code: body.code, objectId, value: body.value, record, rowVersion: body.rowVersion };
    if (template) input.methods = [template.method];
    await new ResultsService(serviceContext(req)).put(id, input);
  });
});

/** Copy one object's result to other objects of the same category (one transaction). */
workspaceWritesRouter.post('/assessments/:id/results-copy', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const b = req.body as Record<string, unknown>;
  const code = z.string().regex(/^L\d-[A-Z]{3}\d-\d{2}$/).parse(b.code);
  await formWrite(req, res, id, `u-${code}`, async () => {
    const to = (Array.isArray(b.to) ? b.to : b.to ? [b.to] : []).map((v) => {
      const [objectId, rowVersion] = String(v).split(':');
      return { objectId, rowVersion: Number(rowVersion) };
    });
    // Tenancy and permission first (404 / 403), then the body (400).
    await new AssessmentsService(serviceContext(req)).loadWritable(id);
    const input = copyResultSchema.parse({ from: b.from, to });
    await new ResultsService(serviceContext(req)).copy(id, { code, ...input });
  });
});

/** The dense grid's one submit: every cell whose value changed, with its row version, in one transaction. */
workspaceWritesRouter.post('/assessments/:id/results-grid', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  await formWrite(req, res, id, 'grid', async () => {
    const ctx = serviceContext(req);
    await new AssessmentsService(ctx).loadWritable(id);
    const cells = Object.entries(req.body as Record<string, unknown>)
      .map(([k, v]) => ({ m: /^c\.(L\d-[A-Z]{3}\d-\d{2})\.([0-9a-f-]{36}|system)\.(\d+)$/.exec(k), v }))
      .filter((c) => c.m && typeof c.v === 'string' && (['conform', 'partial', 'nonconform', 'na'] as unknown[]).includes(c.v));
    if (!cells.length) return;
    const current = new Map(
      (await ctx.knex('assessment_results').where({ assessment_id: id }).select('code', 'object_key', 'value')).map((r: Record<string, string>) => [`${r.code}|${r.object_key}`, r.value]),
    );
    const inputs: ResultInput[] = cells
      .filter((c) => current.get(`${c.m![1]}|${c.m![2]}`) !== c.v)
      .map((c) => ({ code: c.m![1]!, objectId: c.m![2] === 'system' ? null : c.m![2]!, value: c.v as ResultInput['value'], rowVersion: Number(c.m![3]) }));
    if (inputs.length) await new ResultsService(ctx).bulk(id, inputs);
  });
});

/** An assessor's own item (X-…): its value and record, from the workspace. */
workspaceWritesRouter.post('/assessments/:id/extra-items/:code', signedIn, requireCsrf, async (req, res) => {
  const id = idOf(req);
  const code = extraItemFields.code.parse(req.params.code);
  await formWrite(req, res, id, `x-${code}`, async () => {
    const ctx = serviceContext(req);
    await new AssessmentsService(ctx).loadWritable(id);
    const b = z.object({ value: z.enum(['', 'conform', 'partial', 'nonconform', 'na']), record: extraItemFields.record }).parse(req.body);
    await new ExtraItemsService(ctx).update(id, code, { value: b.value || null, record: b.record || null });
  });
});

/**
 * Upload a file as evidence of one result, with its kind. The result is named by the path (drag
 * and drop, the page's script) or, for the unit's form that works without script, by the
 * `resultId` field.
 */
async function uploadToResult(req: Request, res: Response, resultFromPath: string | undefined): Promise<void> {
  const id = idOf(req);
  const pathResult = resultFromPath === undefined ? undefined : z.uuid().parse(resultFromPath);
  const d = deps(req);
  const ctx = serviceContext(req);
  const evidence = new EvidenceService(ctx, d.store);
  // 404 / 403 before the body is read; the result is checked (and linked) in the same
  // transaction as the record is created: a refused upload leaves no file and no record.
  const a = await new AssessmentsService(ctx, d.catalogue).get(id);
  evidence.assertCanUpload(a.organizationId);
  const parsed = await parseUpload(req, d.store, d.config.maxUploadMb * 1024 * 1024, d.config.maxUploadMb);
  let resultId = pathResult;
  if (!resultId) {
    try {
      resultId = validateValue(req, z.object({ resultId: z.uuid() }), { resultId: parsed.fields.resultId?.[0] }).resultId;
    } catch (err) {
      await parsed.file?.staged.discard(); // a 400 naming resultId, and no file kept
      throw err;
    }
  }
  const back = backTo(id, parsed.fields.back?.[0] ?? req.query.back, `r-${resultId}`);
  if (!parsed.file) return res.redirect(303, back);
  const kind = (EVIDENCE_KINDS as readonly string[]).includes(parsed.fields.kind?.[0] ?? '') ? parsed.fields.kind![0]! : 'other';
  const created = await evidence.create(a.organizationId, { title: parsed.file.clientName ?? 'evidence', kind }, parsed.file, undefined, [{ targetType: 'assessment_result', targetId: resultId }]);
  // The page's script (drag and drop, or the form sent with fetch) shows the new evidence on the row at once.
  if (req.accepts(['html', 'json']) === 'json') {
    res.status(201).json({ id: created.id, title: created.title, kind: created.kind, kindLabel: req.t(`enum.evidence_kind_${created.kind}`), hash: created.currentVersion.hash.slice(0, 12) });
    return;
  }
  res.redirect(303, back);
}

workspaceWritesRouter.post('/assessments/:id/results/:rid/evidence', signedIn, requireCsrf, (req, res) => uploadToResult(req, res, String(req.params.rid)));
workspaceWritesRouter.post('/assessments/:id/results-evidence', signedIn, requireCsrf, (req, res) => uploadToResult(req, res, undefined));
