import { create as contentDisposition } from 'content-disposition';
import { Router } from 'express';
import { z } from 'zod';
import { EvidencePackService } from '../../reports/pack/build.js';
import { deps, serviceContext } from '../http/request.js';
import { fields, validate } from '../http/validate.js';

export const packRouter = Router();

/**
 * The assessment's evidence pack (ZIP), streamed. Everything is loaded and every stored file
 * re-hashed before the first byte: a missing or corrupted file is 500 evidence_corrupted with
 * the usual JSON error, never a partial archive.
 */
packRouter.get('/assessments/:id/evidence-pack.zip', async (req, res) => {
  const { id } = validate(req, z.object({ id: fields.id }), 'params');
  validate(req, z.strictObject({ lang: z.string().optional() }), 'query');
  // Hook for the report module: pass the archived PDF report as `extraFiles` (under report/) once it exists.
  const pack = await new EvidencePackService(serviceContext(req), deps(req).store).prepare(id, { extraFiles: [] });
  res.setHeader('Content-Type', 'application/zip');
  res.setHeader('Content-Disposition', contentDisposition(pack.fileName));
  res.setHeader('Cache-Control', 'private, no-store');
  await pack.write(res);
});
