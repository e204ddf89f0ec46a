import busboy from 'busboy';
import type { Request } from 'express';
import { AppError, FileTooLargeError, ValidationError } from '../errors.js';
import { isUnsafeText, unsafeTextError } from './safe-text.js';
import { BlobTooLargeError, type BlobStore, type StagedBlob } from '../storage/blob-store.js';

export interface ParsedUpload {
  fields: Record<string, string[]>;
  file?: { staged: StagedBlob; clientName: string | undefined };
}

const OVERHEAD = 1024 * 1024; // multipart headers and metadata fields beyond the file itself

/**
 * Reads a multipart/form-data request: metadata fields, and the part named `file` streamed
 * straight into the blob store's temporary area (never held in memory). A declared body larger
 * than the limit is refused before anything is read; a stream that grows past it is cut off.
 * If the request fails or is aborted, the temporary file is removed.
 */
export function parseUpload(req: Request, store: BlobStore, maxBytes: number, limitMb: number): Promise<ParsedUpload> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > maxBytes + OVERHEAD) return Promise.reject(new FileTooLargeError({ limitMb }));
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { files: 1, fields: 50, fieldSize: 64 * 1024, fileSize: maxBytes + 1 } });
  } catch {
    return Promise.reject(new ValidationError({}, [{ path: 'content-type', code: 'invalid_type', message: 'must be multipart/form-data' }]));
  }
  return new Promise<ParsedUpload>((resolve, reject) => {
    // No prototype: a field named `constructor` or `__proto__` is just a field (it crashed the process).
    const fields: Record<string, string[]> = Object.create(null);
    let staging: Promise<StagedBlob> | undefined;
    let clientName: string | undefined;
    let fileStream: NodeJS.ReadableStream & { destroy(err?: Error): void } | undefined;
    let settled = false;
    const fail = async (err: unknown) => {
      if (settled) return;
      settled = true;
      req.unpipe(parser);
      // Ends the staging pipeline (which then removes its temporary file) if it is still reading.
      fileStream?.destroy(err instanceof Error ? err : new Error('upload failed'));
      const staged = await staging?.catch(() => undefined);
      await staged?.discard();
      if (err instanceof BlobTooLargeError) reject(new FileTooLargeError({ limitMb }));
      else if (err instanceof AppError) reject(err);
      // busboy's own errors (malformed part headers, unexpected end of form) are the client's.
      else reject(new ValidationError({}, [{ path: 'body', code: 'invalid_multipart', message: (err as Error)?.message ?? 'malformed multipart body' }]));
    };
    parser.on('field', (name, value) => {
      // NUL and lone surrogates: refused like in any other body (400 naming the field).
      if (isUnsafeText(name) || isUnsafeText(value)) return void fail(unsafeTextError(req, 'body', isUnsafeText(name) ? '(field name)' : name));
      (fields[name] ??= []).push(value);
    });
    parser.on('file', (name, stream, info) => {
      if (name !== 'file' || staging) {
        stream.on('error', () => undefined); // reported through the parser's 'error'
        stream.resume(); // ignore extra parts
        return;
      }
      clientName = info.filename !== undefined && isUnsafeText(info.filename) ? info.filename.replace(/[\u0000\uD800-\uDFFF]/g, '') : info.filename;
      fileStream = stream;
      // busboy destroys the file stream with its own error (e.g. "Unexpected end of form") at
      // once, possibly before the store has attached its pipeline (it creates its directory
      // first): without a listener here that error would be unhandled and end the process.
      // The same error reaches the parser's 'error' handler below, which answers the request.
      stream.on('error', () => undefined);
      staging = store.stage(stream, maxBytes);
      staging.catch(fail);
    });
    parser.on('error', fail);
    parser.on('close', async () => {
      if (settled) return;
      try {
        const staged = await staging;
        settled = true;
        resolve({ fields, file: staged ? { staged, clientName } : undefined });
      } catch (err) {
        await fail(err);
      }
    });
    // A client that goes away mid-upload: the partial file is discarded, nothing is registered.
    req.on('aborted', () => void fail(new Error('upload aborted')));
    req.on('close', () => {
      if (!req.complete) void fail(new Error('upload aborted'));
    });
    req.on('error', (err) => void fail(err));
    req.pipe(parser);
  });
}
