import { create as contentDisposition } from 'content-disposition';
import { Router, type Request, type Response } from 'express';
import rangeParser from 'range-parser';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { isDate } from '../dates.js';
import { EVIDENCE_KINDS } from '../database/migrations/20261126C-evidence.js';
import { ValidationError } from '../errors.js';
import { EvidenceService, type UploadedFile } from '../evidence/service.js';
import { parseUpload, type ParsedUpload } from '../http/multipart.js';
import { pageFields, pageRequest, sendPage } from '../http/pagination.js';
import { deps, serviceContext } from '../http/request.js';
import { fields, issuesToDetails, validate } from '../http/validate.js';
import { recordSchema } from '../http/route-schemas.js';

export const evidenceRouter = Router();

const service = (req: Request) => new EvidenceService(serviceContext(req), deps(req).store);

const date = z.string().refine(isDate, 'must be a date YYYY-MM-DD');
const tag = z.string().trim().min(1).max(50);
const metadataFields = {
  title: z.string().trim().min(1).max(200),
  kind: z.enum(EVIDENCE_KINDS),
  description: z.string().trim().max(5000).nullable().optional(),
  collectedAt: z.iso.datetime({ offset: true }).optional(),
  collectedBy: z.string().trim().min(1).max(100).optional(),
  validUntil: date.nullable().optional(),
  source: z.string().trim().max(300).nullable().optional(),
  tags: z.array(tag).max(30).optional(),
};
export const uploadFields = z.strictObject({ ...metadataFields, organizationId: fields.id.optional(), requestId: fields.id.optional() });
export const versionFields = z.strictObject({ note: z.string().trim().max(500).optional(), requestId: fields.id.optional() });
export const patchBody = z.strictObject({ ...metadataFields, title: metadataFields.title.optional(), kind: metadataFields.kind.optional() });
export const idParams = z.object({ id: fields.id });
export const linkBody = z.strictObject({ targetType: z.string().min(1).max(32), targetId: z.string().min(1).max(100) });

/** Multipart fields are strings: one value per field, `tags` repeatable or comma-separated. */
function formValues(parsed: ParsedUpload): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, values] of Object.entries(parsed.fields)) {
    if (name === 'tags') out.tags = values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
    else out[name] = values.at(-1) === '' ? undefined : values.at(-1);
  }
  return out;
}

/** Reads the upload and validates its fields; the staged file is discarded when the fields are bad. */
async function readUpload<S extends z.ZodType>(req: Request, schema: S): Promise<{ values: z.output<S>; upload: UploadedFile }> {
  recordSchema(req, 'multipart', schema);
  const { store, config } = deps(req);
  const parsed = await parseUpload(req, store, config.maxUploadMb * 1024 * 1024, config.maxUploadMb);
  const checked = schema.safeParse(formValues(parsed));
  if (!checked.success || !parsed.file) {
    await parsed.file?.staged.discard();
    const details = checked.success ? [] : issuesToDetails(checked.error.issues);
    if (!parsed.file) details.push({ path: 'file', code: 'required', message: req.t('errors.file_required') });
    throw new ValidationError({}, details);
  }
  return { values: checked.data, upload: parsed.file };
}

export const postEvidenceQuery = z.strictObject({ organizationId: fields.id.optional(), lang: z.string().optional() });
evidenceRouter.post('/evidence', async (req, res) => {
  const svc = service(req);
  const query = validate(req, postEvidenceQuery, 'query');
  // Refuse callers who may not upload (auditors, other organisations) before reading the body.
  svc.assertCanUpload(query.organizationId);
  const { values, upload } = await readUpload(req, uploadFields);
  const { organizationId, requestId, ...meta } = values;
  let org: string;
  try {
    org = svc.resolveOrganization(organizationId ?? query.organizationId);
  } catch (err) {
    await upload.staged.discard();
    throw err;
  }
  res.status(201).json(await svc.create(org, meta, upload, requestId));
});

export const listQuery = z.strictObject({
  organizationId: fields.id.optional(),
  kind: z.enum(EVIDENCE_KINDS).optional(),
  tag: tag.optional(),
  targetType: z.string().max(32).optional(),
  targetId: z.string().max(100).optional(),
  expired: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  includeDeleted: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  q: z.string().trim().min(1).max(200).optional(),
  /** The older page-number form; `cursor` is the convention (see pagination.ts). */
  page: z.coerce.number().int().min(1).max(1_000_000).optional(),
  lang: z.string().optional(),
  ...pageFields,
});

evidenceRouter.get('/evidence', async (req, res) => {
  const q = validate(req, listQuery, 'query');
  const { lang: _lang, page, pageSize, cursor: _c, ...filter } = q;
  if (page !== undefined && q.cursor === undefined) {
    const { data, total } = await service(req).list({ ...filter, page, pageSize });
    res.setHeader('X-Total-Count', String(total));
    res.json({ data, meta: { total, page, pageSize } });
    return;
  }
  const result = await service(req).page(filter, pageRequest(req, q, ['string', 'uuid']));
  sendPage(req, res, result, { meta: { total: result.total, pageSize } });
});

evidenceRouter.get('/evidence/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  res.json(await service(req).get(id));
});

evidenceRouter.patch('/evidence/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  res.json(await service(req).update(id, validate(req, patchBody)));
});

export const deleteEvidenceIdBody = z.strictObject({ reason: z.string().trim().min(5).max(500) });
evidenceRouter.delete('/evidence/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const { reason } = validate(req, deleteEvidenceIdBody);
  res.json(await service(req).softDelete(id, reason));
});

evidenceRouter.post('/evidence/:id/versions', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const svc = service(req);
  await svc.get(id); // 404 before reading the body when the evidence is not the caller's
  const { values, upload } = await readUpload(req, versionFields);
  res.status(201).json(await svc.addVersion(id, upload, values.note, values.requestId));
});

/** A sandboxed, resource-less document: what a browser may do with a downloaded file opened anyway. */
export const DOWNLOAD_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'";

async function sendDownload(req: Request, res: Response, version?: number) {
  const { id } = validate(req, idParams, 'params');
  const file = await service(req).download(id, version);
  res.setHeader('Content-Type', file.mediaType);
  // Always a download, never a page of ours: even a stored HTML/SVG with script cannot run in
  // the app's origin (nosniff is set by helmet for every answer).
  res.setHeader('Content-Disposition', contentDisposition(file.fileName, { type: 'attachment' }));
  res.setHeader('Content-Security-Policy', DOWNLOAD_CSP);
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('ETag', `"sha256-${file.hash}"`);
  res.setHeader('Repr-Digest', `sha-256=:${Buffer.from(file.hash, 'hex').toString('base64')}:`);
  res.setHeader('Cache-Control', 'private, no-store');
  const ranges = req.headers.range ? rangeParser(file.size, req.headers.range, { combine: true }) : undefined;
  if (ranges === -1) {
    res.status(416).setHeader('Content-Range', `bytes */${file.size}`).end();
    return;
  }
  // One satisfiable byte range → 206; several ranges or a malformed header → the whole file.
  if (Array.isArray(ranges) && ranges.type === 'bytes' && ranges.length === 1) {
    const r = ranges[0]!;
    res.status(206);
    res.setHeader('Content-Range', `bytes ${r.start}-${r.end}/${file.size}`);
    res.setHeader('Content-Length', String(r.end - r.start + 1));
    await pipeline(file.open(r), res);
    return;
  }
  res.setHeader('Content-Length', String(file.size));
  await pipeline(file.open(), res);
}

evidenceRouter.get('/evidence/:id/download', (req, res) => sendDownload(req, res));

export const getEvidenceIdVersionsNDownloadParams = z.object({ id: fields.id, n: z.coerce.number().int().min(1) });
evidenceRouter.get('/evidence/:id/versions/:n/download', async (req, res) => {
  const { n } = validate(req, getEvidenceIdVersionsNDownloadParams, 'params');
  await sendDownload(req, res, n);
});

evidenceRouter.post('/evidence/:id/links', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const { targetType, targetId } = validate(req, linkBody);
  res.status(201).json(await service(req).link(id, targetType, targetId));
});

evidenceRouter.delete('/evidence/:id/links', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const body = req.body && Object.keys(req.body).length ? validate(req, linkBody) : validate(req, linkBody.extend({ lang: z.string().optional() }), 'query');
  res.json(await service(req).unlink(id, body.targetType, body.targetId));
});
