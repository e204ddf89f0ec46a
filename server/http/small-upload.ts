import busboy from 'busboy';
import type { Request } from 'express';
import { AppError, FileTooLargeError, ValidationError } from '../errors.js';

const OVERHEAD = 64 * 1024; // multipart boundaries, part headers and small fields

/**
 * Reads a small multipart upload (record workbooks, Word templates) into memory: text fields and
 * the part `file`, with a hard cap — a declared body over it is refused before reading, a stream
 * that grows past it is cut off (413 file_too_large). A truncated or aborted body is a 400, never
 * an unhandled 'error' event (which would end the process).
 */
export function readSmallUpload(req: Request, maxBytes: number): Promise<{ fields: Record<string, string>; file: Buffer; clientName: string | undefined }> {
  const limitMb = Math.round(maxBytes / 1024 / 1024);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > maxBytes + OVERHEAD) return Promise.reject(new FileTooLargeError({ limitMb }));
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { files: 1, fields: 20, fieldSize: 64 * 1024, fileSize: maxBytes } });
  } catch {
    return Promise.reject(new ValidationError({}, [{ path: 'content-type', code: 'invalid_type', message: 'must be multipart/form-data' }]));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const fields: Record<string, string> = Object.create(null); // `constructor`, `__proto__`: plain fields
    let clientName: string | undefined;
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
    parser.on('field', (name, value) => (fields[name] = value));
    parser.on('file', (name, stream, info) => {
      // A truncated body destroys the file stream with "Unexpected end of form": handled here.
      stream.on('error', fail);
      if (name !== 'file' || found) {
        stream.resume();
        return;
      }
      found = true;
      clientName = info.filename;
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => fail(new FileTooLargeError({ limitMb })));
    });
    parser.on('error', fail);
    parser.on('close', () => {
      if (settled) return;
      settled = true;
      if (!found) reject(new ValidationError({}, [{ path: 'file', code: 'required', message: req.t('errors.file_required') }]));
      else resolve({ fields, file: Buffer.concat(chunks), clientName });
    });
    req.on('aborted', () => fail(new Error('upload aborted')));
    req.on('error', fail);
    req.pipe(parser);
  });
}
