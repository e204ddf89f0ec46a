import busboy from 'busboy';
import { create as contentDisposition } from 'content-disposition';
import { Router, type Request } from 'express';
import { z } from 'zod';
import { WORKBOOK_LIMITS } from '../../reports/workbook/archive.js';
import { WorkbookService, XLSX_MEDIA_TYPE } from '../../reports/workbook/service.js';
import { AppError, FileTooLargeError, ValidationError } from '../errors.js';
import { serviceContext } from '../http/request.js';
import { fields, validate } from '../http/validate.js';

export const workbookRouter = Router();

const idParams = z.object({ id: fields.id });
const service = (req: Request) => new WorkbookService(serviceContext(req));

const OVERHEAD = 64 * 1024; // multipart boundaries and part headers

/**
 * Reads the multipart part `file` into memory, with a hard cap (workbooks are small; 20 MB): a
 * declared body over the cap is refused before reading, a stream that grows past it is cut off
 * (413 file_too_large). Other parts are ignored.
 */
export function readWorkbookUpload(req: Request, maxBytes = WORKBOOK_LIMITS.maxBytes): Promise<Buffer> {
  const limitMb = Math.round(maxBytes / 1024 / 1024);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > maxBytes + OVERHEAD) return Promise.reject(new FileTooLargeError({ limitMb }));
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { files: 1, fields: 20, fieldSize: 64 * 1024, fileSize: maxBytes } });
  } catch {
    return Promise.reject(new ValidationError({}, [{ path: 'content-type', code: 'invalid_type', message: 'must be multipart/form-data' }]));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let found = false;
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      req.resume(); // drain the rest so the answer reaches the client
      if (err instanceof AppError) reject(err);
      else reject(new ValidationError({}, [{ path: 'body', code: 'invalid_multipart', message: (err as Error)?.message ?? 'malformed multipart body' }]));
    };
    parser.on('file', (name, stream) => {
      // A truncated body destroys the file stream with "Unexpected end of form": handled here,
      // never an unhandled 'error' event (which would end the process).
      stream.on('error', fail);
      if (name !== 'file' || found) {
        stream.resume();
        return;
      }
      found = true;
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => fail(new FileTooLargeError({ limitMb })));
    });
    parser.on('error', fail);
    parser.on('close', () => {
      if (settled) return;
      settled = true;
      if (!found) reject(new ValidationError({}, [{ path: 'file', code: 'required', message: req.t('errors.file_required') }]));
      else resolve(Buffer.concat(chunks));
    });
    req.on('aborted', () => fail(new Error('upload aborted')));
    req.on('error', fail);
    req.pipe(parser);
  });
}

/** The record workbook of an assessment (needs 'download'). `?lang=en`: English sheets and labels; default Chinese. */
workbookRouter.get('/assessments/:id/workbook.xlsx', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const { lang } = validate(req, z.strictObject({ lang: z.string().max(35).optional() }), 'query');
  // The field's workbooks are Chinese: English only when asked for (?lang=en, normalised by the language middleware).
  const { buffer, fileName } = await service(req).export(id, lang ? req.lang : 'zh-CN');
  res.setHeader('Content-Type', XLSX_MEDIA_TYPE);
  res.setHeader('Content-Disposition', contentDisposition(fileName));
  res.setHeader('Cache-Control', 'private, no-store');
  res.setHeader('Content-Length', String(buffer.length));
  res.end(buffer);
});

/**
 * Imports a record workbook (multipart field `file`). `?dryRun=1`: the diff only. Otherwise the
 * changed rows are applied all or nothing; problems → 400, conflicts → 409, nothing applied.
 */
workbookRouter.post('/assessments/:id/workbook', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const q = validate(req, z.strictObject({ dryRun: z.enum(['1', '0', 'true', 'false']).optional(), lang: z.string().optional() }), 'query');
  const svc = service(req);
  // 404 / 403 / 409 (read-only assessment) before the body is read.
  await svc.assertCanImport(id);
  const buffer = await readWorkbookUpload(req);
  res.json(await svc.import(id, buffer, { dryRun: q.dryRun === '1' || q.dryRun === 'true' }));
});
