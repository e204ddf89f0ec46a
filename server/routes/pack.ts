import { Router } from 'express';
import { z } from 'zod';
import { fields, validate } from '../http/validate.js';
import { queueAndWait, reportsService, sendStoredFile } from './artefact-jobs.js';

export const packRouter = Router();

export const getAssessmentsIdEvidencePackZipParams = z.object({ id: fields.id });
export const postAssessmentsIdEvidencePackBody = z.strictObject({});
export const packQuery = z.strictObject({ lang: z.string().optional() });

/**
 * Queues the assessment's evidence pack (ZIP): 202 with the job (poll GET /reports/:id, then
 * GET /reports/:id/download). The job loads everything and re-hashes every stored file before
 * the first byte: a missing or corrupted file fails it with evidence_corrupted, never a partial
 * archive. The pack is archived (SHA-256, size, requester) like a report.
 */
packRouter.post('/assessments/:id/evidence-pack', async (req, res) => {
  const { id } = validate(req, getAssessmentsIdEvidencePackZipParams, 'params');
  validate(req, postAssessmentsIdEvidencePackBody);
  const job = await reportsService(req).requestArtefact(id, 'evidence_pack', { lang: req.lang });
  res.status(202).location(`/api/v1/reports/${job.id}`).json(job);
});

/**
 * The pack as before: queued like the POST, waited for (JOB_WAIT_SECONDS), then sent; a
 * corrupted file is 500 evidence_corrupted with the usual JSON error. Still running after the
 * wait (or `Prefer: respond-async`): 202 with the job's Location.
 */
packRouter.get('/assessments/:id/evidence-pack.zip', async (req, res) => {
  const { id } = validate(req, getAssessmentsIdEvidencePackZipParams, 'params');
  validate(req, packQuery, 'query');
  const done = await queueAndWait(req, res, id, 'evidence_pack', { lang: req.lang });
  if (done) await sendStoredFile(res, await done.service.download(done.view.id));
});
