import { create as contentDisposition } from 'content-disposition';
import { Router } from 'express';
import { z } from 'zod';
import { EvidencePackService } from '../../reports/pack/build.js';
import { latestArchivedReport } from '../../reports/jobs.js';
import { deps, serviceContext } from '../http/request.js';
import { fields, validate } from '../http/validate.js';

export const packRouter = Router();

export const getAssessmentsIdEvidencePackZipParams = z.object({ id: fields.id });
export const packQuery = z.strictObject({ lang: z.string().optional() });
/**
 * The assessment's evidence pack (ZIP), streamed. Everything is loaded and every stored file
 * re-hashed before the first byte: a missing or corrupted file is 500 evidence_corrupted with
 * the usual JSON error, never a partial archive.
 */
packRouter.get('/assessments/:id/evidence-pack.zip', async (req, res) => {
  const { id } = validate(req, getAssessmentsIdEvidencePackZipParams, 'params');
  validate(req, packQuery, 'query');
  const { store, db } = deps(req);
  const service = new EvidencePackService(serviceContext(req), store);
  // The newest archived PDF and docx test reports go in under report/ (the docx is the editable
  // document people sign); prepare() checks the scope first, then re-hashes them with the
  // evidence: a missing or corrupted report refuses the whole pack.
  const extraFiles = [];
  for (const format of ['pdf', 'docx'] as const) {
    const report = await latestArchivedReport(db, id, format);
    if (!report) continue;
    extraFiles.push({
      path: `report/${report.file_name}`,
      open: () => store.open(report.organization_id, report.hash),
      size: Number(report.size),
      title: report.file_name as string,
      mediaType: report.media_type as string,
      expectedHash: report.hash as string,
      check: () => store.verify(report.organization_id, report.hash),
    });
  }
  const pack = await service.prepare(id, { extraFiles });
  res.setHeader('Content-Type', 'application/zip');
  res.setHeader('Content-Disposition', contentDisposition(pack.fileName));
  res.setHeader('Cache-Control', 'private, no-store');
  await pack.write(res);
});
