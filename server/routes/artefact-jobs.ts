import { create as contentDisposition } from 'content-disposition';
import type { Request, Response } from 'express';
import { pipeline } from 'node:stream/promises';
import type { ArtefactType } from '../../reports/artefacts.js';
import { ReportsService } from '../../reports/jobs.js';
import { asciiFileName } from '../../reports/file-name.js';
import { deps, serviceContext } from '../http/request.js';
import type { Language } from '../i18n.js';
import { DOWNLOAD_CSP } from './evidence.js';

export const reportsService = (req: Request) => {
  const d = deps(req);
  return new ReportsService(serviceContext(req), { printer: d.printer, store: d.store, catalogue: d.catalogue, logger: req.log, jobs: d.jobs });
};

type Stored = Awaited<ReturnType<ReportsService['download']>>;

/** Sends an archived file (report, pack, workbook) after its re-hash: name, digest, sandbox. */
export async function sendStoredFile(res: Response, file: Stored): Promise<void> {
  res.setHeader('Content-Type', file.view.mediaType!);
  // UTF-8 name (RFC 5987 filename*, e.g. …-等级测评报告.pdf) with an ASCII fallback for old clients.
  res.setHeader('Content-Disposition', contentDisposition(file.view.fileName!, { fallback: asciiFileName(file.view.fileName!) }));
  res.setHeader('Content-Security-Policy', DOWNLOAD_CSP); // an HTML report is a download, sandboxed if opened
  res.setHeader('Cache-Control', 'private, no-store');
  res.setHeader('Content-Length', String(file.view.size));
  res.setHeader('Repr-Digest', `sha-256=:${Buffer.from(file.view.sha256!, 'hex').toString('base64')}:`);
  await pipeline(file.open(), res);
}

/** `Prefer: respond-async` (RFC 7240): answer 202 at once instead of waiting for the job. */
const respondAsync = (req: Request) => /(^|[,;\s])respond-async\b/i.test(req.get('prefer') ?? '');

/**
 * The routes that answered synchronously before the queue (GET …/evidence-pack.zip,
 * GET …/workbook.xlsx, POST …/workbook): the work is queued like any job and runs off this
 * request (a worker thread on SQLite, any worker process on PostgreSQL); the request waits for
 * it (JOB_WAIT_SECONDS) and answers as before — the file, or the very error the job recorded.
 * A job still running then (or `Prefer: respond-async`) → 202 with the job's Location.
 * Returns the finished row, or undefined when a 202 was sent.
 */
export async function queueAndWait(req: Request, res: Response, assessmentId: string, type: ArtefactType, input: { lang: Language; inputHash?: string }) {
  const service = reportsService(req);
  const job = await service.requestArtefact(assessmentId, type, input);
  const location = `/api/v1/reports/${job.id}`;
  if (respondAsync(req)) {
    res.status(202).location(location).json(job);
    return undefined;
  }
  const view = await service.wait(job.id, deps(req).config.jobs.waitSeconds * 1000);
  if (view.status === 'failed') throw await service.failure(job.id);
  if (view.status !== 'done') {
    res.status(202).location(location).json(view);
    return undefined;
  }
  return { service, view };
}
