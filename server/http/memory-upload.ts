import busboy from 'busboy';
import type { Request } from 'express';
import { FileTooLargeError, ValidationError } from '../errors.js';

/**
 * Reads the part named `file` of a multipart/form-data request into memory, for small files that
 * must be parsed before anything is stored (scanner reports). Larger than `maxBytes` → 413.
 */
export function readUploadToMemory(req: Request, maxBytes: number): Promise<{ content: Buffer; fileName: string; fields: Record<string, string> }> {
  const limitMb = Math.round(maxBytes / 1024 / 1024);
  if (Number(req.headers['content-length'] ?? NaN) > maxBytes + 1024 * 1024) return Promise.reject(new FileTooLargeError({ limitMb }));
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { files: 1, fields: 20, fieldSize: 64 * 1024, fileSize: maxBytes + 1 } });
  } catch {
    return Promise.reject(new ValidationError({}, [{ path: 'content-type', code: 'invalid_type', message: 'must be multipart/form-data with a part named file' }]));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const fields: Record<string, string> = {};
    let size = 0;
    let fileName: string | undefined;
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      req.unpipe(parser);
      req.resume();
      reject(err);
    };
    parser.on('field', (name, value) => {
      fields[name] = value;
    });
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || fileName !== undefined) {
        stream.resume();
        return;
      }
      fileName = info.filename ?? 'upload';
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size > maxBytes) fail(new FileTooLargeError({ limitMb }));
        else chunks.push(c);
      });
      stream.on('limit', () => fail(new FileTooLargeError({ limitMb })));
    });
    parser.on('error', (err) => fail(new ValidationError({}, [{ path: 'body', code: 'invalid_multipart', message: (err as Error).message }])));
    parser.on('close', () => {
      if (failed) return;
      if (fileName === undefined) return fail(new ValidationError({}, [{ path: 'file', code: 'required', message: 'attach the file as the multipart part named file' }]));
      if (!size) return fail(new ValidationError({}, [{ path: 'file', code: 'empty_file', message: 'the file is empty' }]));
      resolve({ content: Buffer.concat(chunks), fileName, fields });
    });
    req.on('error', (err) => fail(err));
    req.pipe(parser);
  });
}
