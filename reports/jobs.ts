import { Readable } from 'node:stream';
import type { Knex } from 'knex';
import type { Catalogue } from '../server/catalogue/index.js';
import { ScopedService, type Caller, type ServiceContext } from '../server/context.js';
import { todayInChina } from '../server/dates.js';
import { AppError, BrowserUnavailableError, EvidenceCorruptedError, NotFoundError, ValidationError } from '../server/errors.js';
import { ARTEFACT_FORMATS, buildArtefact, isArtefact, type ArtefactType } from './artefacts.js';
import { WorkbookService } from './workbook/service.js';
import type { Language } from '../server/i18n.js';
import type { Logger } from '../server/logger.js';
import type { BlobStore } from '../server/storage/blob-store.js';
import { engineOf } from '../server/database/index.js';
import type { JobQueue } from '../server/jobs/queue.js';
import { loadCaller } from '../server/services/callers.js';
import { newId, now } from '../server/util.js';
import { packageVersion } from '../server/version.js';
import { SummaryService } from '../server/assessments/summary.js';
import { productCatalogue } from '../server/cloud/products.js';
import { recommend } from '../server/cloud/recommendations.js';
import { BROWSER_INSTALL_HINT, type PdfPrinter } from './pdf/chromium.js';
import { renderReport } from './render.js';
import { CONTENTS_KEYS, printTimeoutMs, printWithContents } from './pdf/toc.js';
import { assembleReport, type ReportType } from './test-report/assemble.js';
import { renderReportDocx } from './docx/report.js';
import { DOCX_MEDIA_TYPE } from './docx/writer.js';
import { fillTemplate } from './docx/template/fill.js';
import { templateView } from './docx/template/fields.js';
import { readTemplateBlob, ReportTemplatesService } from './docx/template/service.js';
import { reportFileBase } from './file-name.js';

const MEDIA_TYPES: Record<string, string> = { pdf: 'application/pdf', html: 'text/html; charset=utf-8', docx: DOCX_MEDIA_TYPE };

export const REPORT_TYPES = ['test_report', 'gap_analysis', 'remediation_plan', 'executive_summary'] as const;
export const REPORT_FORMATS = ['pdf', 'html', 'docx'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportDeps {
  printer: PdfPrinter;
  store: BlobStore;
  catalogue: Catalogue;
  logger?: Logger;
}

/** The queue the report jobs go through (server/jobs), and the data of one job. */
export const REPORT_JOB = 'report';
export interface ReportJobData {
  reportId: string;
}

export const reportView = (r: Record<string, any>) => ({
  id: r.id as string,
  assessmentId: r.assessment_id as string,
  assessmentRevision: Number(r.assessment_revision),
  type: r.type as string,
  format: r.format as string,
  lang: r.lang as string,
  status: r.status as string,
  progress: Number(r.progress),
  error: r.error ?? null,
  /** A failure's error code (translated as errors.<code>), when it was a typed error. */
  errorCode: r.error_code ?? null,
  fileName: r.file_name ?? null,
  mediaType: r.media_type ?? null,
  sha256: r.hash ?? null,
  size: r.size === null || r.size === undefined ? null : Number(r.size),
  generator: r.generator as string,
  template: r.template_id ? { id: r.template_id as string, version: Number(r.template_version) } : null,
  requestedBy: r.requested_by as string,
  requestedAt: r.requested_at as string,
  finishedAt: r.finished_at ?? null,
});

/**
 * Report jobs: assemble (database → data) → render (handlebars → HTML) → print (Chromium → PDF),
 * run in the background, outside any database transaction. Every result is archived immutably in
 * the organisation's content-addressed store with its SHA-256, the generator version, the
 * assessment revision and who asked.
 */
export class ReportsService extends ScopedService {
  constructor(
    ctx: ServiceContext,
    private readonly deps: ReportDeps & { jobs: JobQueue },
  ) {
    super(ctx);
  }

  private async assessment(id: string) {
    const row = await this.scope.query(this.knex, 'assessments').where('id', id).first();
    if (!row) throw new NotFoundError({ resource: 'assessment', id });
    this.scope.require(row.organization_id, 'download', 'assessment');
    return row as Record<string, any> & { organization_id: string };
  }

  async request(assessmentId: string, input: { type: ReportType; format: ReportFormat; lang: Language; templateId?: string }) {
    const a = await this.assessment(assessmentId);
    if (input.format === 'pdf' && !this.deps.printer.available) throw new BrowserUnavailableError({ hint: BROWSER_INSTALL_HINT });
    if (input.templateId && input.format !== 'docx') throw new ValidationError({}, [{ path: 'templateId', code: 'docx_only', message: 'a Word template fills docx reports only (format: docx)' }]);
    // The template version is pinned when the report is requested and recorded in the archive row.
    const template = input.templateId ? await new ReportTemplatesService({ knex: this.knex, caller: this.caller }, this.deps.store).latest(input.templateId, a.organization_id) : undefined;
    const id = newId();
    const row = {
      id,
      organization_id: a.organization_id,
      assessment_id: a.id,
      assessment_revision: a.revision,
      type: input.type,
      format: input.format,
      lang: input.lang,
      status: 'queued',
      progress: 0,
      generator: `dengbao ${packageVersion()}`,
      template_id: template?.templateId ?? null,
      template_version: template?.version ?? null,
      requested_by: this.caller.userId,
      requested_at: now(),
    };
    return this.enqueue(row);
  }

  /**
   * Queues an evidence pack, a record workbook (both need 'download') or the apply of a workbook
   * import already stored under `inputHash` (needs 'edit' on a writable assessment). 202 material:
   * the row is polled at /reports/:id and its file downloaded when done.
   */
  async requestArtefact(assessmentId: string, type: ArtefactType, input: { lang: Language; inputHash?: string }) {
    if (type === 'workbook_import') await new WorkbookService({ knex: this.knex, caller: this.caller }).assertCanImport(assessmentId);
    const a = await this.assessment(assessmentId);
    return this.enqueue({
      id: newId(),
      organization_id: a.organization_id,
      assessment_id: a.id,
      assessment_revision: a.revision,
      type,
      format: ARTEFACT_FORMATS[type],
      lang: input.lang,
      status: 'queued',
      progress: 0,
      generator: `dengbao ${packageVersion()}`,
      input_hash: input.inputHash ?? null,
      requested_by: this.caller.userId,
      requested_at: now(),
    });
  }

  private async enqueue(row: Record<string, unknown> & { id: string }) {
    const id = row.id;
    // The row and its job are recorded together (PostgreSQL: one transaction; in-process: the
    // job starts after the row is written). The job runs after the response, in this process or
    // a worker; failures are recorded on the row, never thrown at the client.
    const data: ReportJobData = { reportId: id };
    if (engineOf(this.knex) === 'postgres' && !this.knex.isTransaction) {
      await this.knex.transaction(async (trx) => {
        await trx('reports').insert(row);
        await this.deps.jobs.enqueue(REPORT_JOB, data, { trx });
      });
    } else {
      await this.knex('reports').insert(row);
      await this.deps.jobs.enqueue(REPORT_JOB, data);
    }
    return reportView(await this.knex('reports').where({ id }).first());
  }

  /**
   * Waits (polling the row, so a worker on another machine counts) until the job is done or
   * failed, at most `timeoutMs`. The routes that used to answer synchronously wait this way:
   * the work runs on the queue (a worker thread or process), the request only waits.
   */
  async wait(id: string, timeoutMs: number): Promise<ReturnType<typeof reportView>> {
    const until = Date.now() + timeoutMs;
    for (let delay = 25; ; delay = Math.min(500, delay * 2)) {
      const view = await this.get(id);
      if (view.status === 'done' || view.status === 'failed' || Date.now() >= until) return view;
      await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(1, until - Date.now()))));
    }
  }

  /** The typed error a failed job recorded (as the synchronous route threw it), or a generic one. */
  async failure(id: string): Promise<AppError> {
    const row = await this.knex('reports').where({ id }).first();
    if (row?.error_code) {
      const data = JSON.parse(row.error_data ?? '{}') as { status?: number; params?: Record<string, unknown>; details?: [] };
      return new AppError(row.error_code, data.status ?? 500, row.error ?? row.error_code, data.params ?? {}, data.details ?? []);
    }
    return new AppError('job_failed', 500, row?.error ?? 'the job failed', { id });
  }

  async get(id: string) {
    const row = await this.scope.query(this.knex, 'reports').where('id', id).first();
    if (!row) throw new NotFoundError({ resource: 'report', id });
    return reportView(row);
  }

  async list(assessmentId: string) {
    await this.assessment(assessmentId);
    return (await this.knex('reports').where({ assessment_id: assessmentId }).orderBy('requested_at', 'desc')).map(reportView);
  }

  /** The archived file, re-hashed before it is served. */
  async download(id: string) {
    const row = await this.scope.query(this.knex, 'reports').where('id', id).first();
    if (!row) throw new NotFoundError({ resource: 'report', id });
    this.scope.require(row.organization_id, 'download', 'report');
    if (row.status !== 'done') throw new NotFoundError({ resource: 'report', id });
    if ((await this.deps.store.verify(row.organization_id, row.hash)) !== 'ok') throw new EvidenceCorruptedError();
    return { view: reportView(row), open: () => this.deps.store.open(row.organization_id, row.hash) };
  }
}

/**
 * The queue's handler for one delivery of a report job: runs it as the user who asked. A failed
 * delivery that will be retried leaves the row queued with the reason; the last one marks it failed.
 */
export async function runReportJob(knex: Knex, deps: ReportDeps, job: { data: ReportJobData; final: boolean; attempt: number }): Promise<void> {
  const id = job.data.reportId;
  const row = await knex('reports').where({ id }).first();
  // Already finished (a retry of a delivery whose completion was not recorded), or gone.
  if (!row || row.status === 'done' || row.status === 'failed') return;
  const caller = await loadCaller(knex, row.requested_by, 'system');
  if (!caller) {
    await knex('reports').where({ id }).update({ status: 'failed', error: 'the user who requested the report is disabled or removed', finished_at: now() });
    return;
  }
  const started = Date.now();
  await runReport(knex, caller, deps, id, job);
  const after = await knex('reports').where({ id }).first('status');
  deps.logger?.info({ report: id, attempt: job.attempt, status: after?.status, ms: Date.now() - started }, 'report job finished');
}

/** Marks failed a report whose job ran out of deliveries without recording it (its workers died). */
export async function failExhaustedReport(knex: Knex, data: ReportJobData): Promise<void> {
  await knex('reports').where({ id: data.reportId }).whereIn('status', ['queued', 'running']).update({ status: 'failed', error: INTERRUPTED_REPORT_ERROR, finished_at: now() });
}

async function runReport(knex: Knex, caller: Caller, deps: ReportDeps, id: string, attempt: { final: boolean; attempt: number }): Promise<void> {
  const set = (fields: Record<string, unknown>) => knex('reports').where({ id }).update(fields);
  const job = await knex('reports').where({ id }).first();
  try {
    await set({ status: 'running', progress: 10 });
    if (isArtefact(job.type)) {
      const built = await buildArtefact(knex, caller, deps.store, job);
      await set({ progress: 50 });
      // The builder's own error (e.g. a file that stops matching its hash mid-stream) is the one to keep.
      const [staging, writing] = await Promise.allSettled([deps.store.stage(built.body, built.maxBytes), built.done]);
      if (writing.status === 'rejected') {
        if (staging.status === 'fulfilled') await staging.value.discard();
        throw writing.reason;
      }
      if (staging.status === 'rejected') throw staging.reason;
      const staged = staging.value;
      await set({ progress: 90 });
      await staged.commit(job.organization_id);
      await set({ status: 'done', progress: 100, error: null, error_code: null, error_data: null, hash: staged.hash, size: staged.size, file_name: built.fileName, media_type: built.mediaType, finished_at: now() });
      return;
    }
    const data = await assembleReport(knex, caller, deps.catalogue, job.assessment_id, job.type, job.lang, todayInChina());
    await set({ progress: 40 });
    const extra: Record<string, unknown> = {};
    if (job.type === 'gap_analysis') {
      const gaps = await new SummaryService({ knex, caller }).gaps(job.assessment_id);
      const zh = job.lang === 'zh-CN';
      extra.recommendations = recommend(productCatalogue(deps.catalogue), gaps).recommendations.map((r) => ({
        category: { id: r.category.id, name: zh ? r.category.name.zh : r.category.name.en },
        closes: r.closes,
        products: r.products.map((p) => ({ vendor: p.vendor, name: zh ? p.name.zh : p.name.en })),
      }));
    }
    let body: Buffer;
    if (job.format === 'docx') {
      // Word: dengbao's own layout, or the organisation's template filled with the flat view.
      const template = job.template_id ? await knex('report_template_versions').where({ template_id: job.template_id, version: job.template_version }).first() : undefined;
      body = template ? fillTemplate(await readTemplateBlob(deps.store, job.organization_id, template.hash), templateView(data)) : await renderReportDocx(data, extra);
    } else {
      const html = renderReport(data, extra);
      await set({ progress: 60 });
      const header = { headerText: `${data.reportNumber ?? ''} ${data.system.name}`, timeoutMs: printTimeoutMs(data) };
      if (job.format !== 'pdf') body = Buffer.from(html, 'utf8');
      // The test report's contents page gets its page numbers without a second full print (see toc.ts).
      else if (job.type === 'test_report') body = await printWithContents(deps.printer, (view) => renderReport(data, { ...extra, ...view }), CONTENTS_KEYS, header, html);
      else body = await deps.printer.pdf(html, header);
    }
    await set({ progress: 90 });
    const staged = await deps.store.stage(Readable.from([body]), 500 * 1024 * 1024);
    await staged.commit(job.organization_id);
    const base = reportFileBase(data.reportNumber, data.assessment.id, job.type, job.lang);
    await set({
      status: 'done',
      progress: 100,
      error: null, // a failed earlier attempt's reason
      error_code: null,
      error_data: null,
      hash: staged.hash,
      size: staged.size,
      file_name: `${base}.${job.format}`,
      media_type: MEDIA_TYPES[job.format],
      finished_at: now(),
    });
  } catch (err) {
    const message = String((err as Error).message).slice(0, 1000);
    // A typed refusal (a corrupted file, a stale or broken workbook) is the same on every
    // delivery: it fails at once and keeps its code, params and details for whoever waits.
    const typed = err instanceof AppError ? err : undefined;
    if (attempt.final || (typed && (typed.status < 500 || typed.code === 'evidence_corrupted'))) {
      if (typed) deps.logger?.info({ report: id, code: typed.code }, 'job refused');
      else deps.logger?.error({ err, report: id, attempt: attempt.attempt }, 'report failed');
      const code = typed ? { error_code: typed.code, error_data: JSON.stringify({ status: typed.status, params: typed.params, details: typed.details }) } : {};
      await set({ status: 'failed', error: message, ...code, finished_at: now() }).catch(() => undefined);
      return;
    }
    // Back in the queue: the next delivery starts over (the row shows why it is waiting).
    deps.logger?.warn({ err, report: id, attempt: attempt.attempt }, 'report attempt failed; retrying');
    await set({ status: 'queued', progress: 0, error: `attempt ${attempt.attempt} failed: ${message}`.slice(0, 1000) }).catch(() => undefined);
    throw err;
  }
}

/** The newest archived test report of an assessment in a format (PDF, docx), for the evidence pack. */
export async function latestArchivedReport(knex: Knex, assessmentId: string, format: 'pdf' | 'docx' = 'pdf'): Promise<Record<string, any> | undefined> {
  return knex('reports').where({ assessment_id: assessmentId, type: 'test_report', format, status: 'done' }).orderBy('finished_at', 'desc').first();
}

/** Why a job was interrupted (stored on the job; shown with the failed report). */
export const INTERRUPTED_REPORT_ERROR = 'interrupted: the server stopped while the report was being generated; request it again';

/**
 * At start: report jobs left queued or running by a previous process (a crash, kill -9, a
 * restart) can never finish when their work lived in that process (the in-process queue on
 * SQLite). They are marked failed with the reason, so nobody waits for them and they can be
 * requested again. On PostgreSQL the queue keeps its jobs: `keep` lists the reports whose job
 * is still alive there (it will be retried); only rows without one are marked. Returns how many.
 */
export async function failInterruptedReports(knex: Knex, keep: string[] = []): Promise<number> {
  const ids = new Set(keep);
  const stuck = (await knex('reports').whereIn('status', ['queued', 'running']).select('id')).map((r: { id: string }) => r.id).filter((id) => !ids.has(id));
  let n = 0;
  for (let i = 0; i < stuck.length; i += 500) {
    n += await knex('reports').whereIn('id', stuck.slice(i, i + 500)).whereIn('status', ['queued', 'running']).update({ status: 'failed', error: INTERRUPTED_REPORT_ERROR, finished_at: now() });
  }
  return n;
}
