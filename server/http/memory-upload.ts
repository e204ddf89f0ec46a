import type { Request } from 'express';
import { ValidationError } from '../errors.js';
import { readSmallUpload } from './small-upload.js';

/**
 * Reads the part named `file` into memory, for small files that must be parsed before anything is
 * stored (scanner reports, penetration-test CSV). One multipart reader serves every in-memory
 * upload (server/http/small-upload.ts: caps, truncated bodies); an empty file is a 400 here.
 */
export async function readUploadToMemory(req: Request, maxBytes: number): Promise<{ content: Buffer; fileName: string; fields: Record<string, string> }> {
  const upload = await readSmallUpload(req, maxBytes);
  if (!upload.file.length) throw new ValidationError({}, [{ path: 'file', code: 'empty_file', message: 'the file is empty' }]);
  return { content: upload.file, fileName: upload.clientName ?? 'upload', fields: upload.fields };
}
