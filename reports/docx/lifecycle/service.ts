import { Readable } from 'node:stream';
import { ScopedService, type ServiceContext } from '../../../server/context.js';
import { BrowserUnavailableError, ConflictError, EvidenceCorruptedError } from '../../../server/errors.js';
import type { Language } from '../../../server/i18n.js';
import type { BlobStore } from '../../../server/storage/blob-store.js';
import { sanitiseFileName } from '../../../server/storage/media-type.js';
import { filingRules } from '../../../server/systems/filing-rules.js';
import { latestGradings, SystemsService } from '../../../server/systems/service.js';
import { newId, now } from '../../../server/util.js';
import { packageVersion } from '../../../server/version.js';
import { BROWSER_INSTALL_HINT, type PdfPrinter } from '../../pdf/chromium.js';
import type { Block, DocumentSpec } from '../blocks.js';
import { blocksToHtml } from '../html.js';
import { DOCX_MEDIA_TYPE, writeDocx } from '../writer.js';
import { assembleLifecycle, documentLabels, type DocumentType, type LifecycleData } from './data.js';
import { expertReviewBlocks, filingFormBlocks } from './forms.js';
import { gradingReportBlocks } from './grading-report.js';
import { dataSurveyBlocks, protectionPlanBlocks } from './plan-survey.js';

export const DOCUMENT_FORMATS = ['docx', 'pdf'] as const;

const BUILDERS: Record<DocumentType, (d: LifecycleData) => Block[]> = {
  grading_report: gradingReportBlocks,
  filing_form: filingFormBlocks,
  expert_review: expertReviewBlocks,
  protection_plan: protectionPlanBlocks,
  data_survey: dataSurveyBlocks,
};

const documentView = (r: Record<string, any>) => ({
  id: r.id as string,
  systemId: r.system_id as string,
  type: r.type as string,
  format: r.format as string,
  lang: r.lang as string,
  gradingVersion: r.grading_version === null || r.grading_version === undefined ? null : Number(r.grading_version),
  fileName: r.file_name as string,
  mediaType: r.media_type as string,
  sha256: r.hash as string,
  size: Number(r.size),
  generator: r.generator as string,
  requestedBy: r.requested_by as string,
  requestedAt: r.requested_at as string,
});

/**
 * The lifecycle documents of a system (定级报告, 备案表, 专家评审意见表, 保护工作方案, 数据摸底调查表), generated synchronously
 * (they are a few pages) from the grading and filing data and archived immutably like reports:
 * SHA-256 in the organisation's store, the generator and the grading version on the row.
 * Officers and consultants generate; every member with download rights fetches.
 */
export class SystemDocumentsService extends ScopedService {
  constructor(
    ctx: ServiceContext,
    private readonly deps: { store: BlobStore; printer: PdfPrinter },
  ) {
    super(ctx);
  }

  async generate(systemId: string, input: { type: DocumentType; format: 'docx' | 'pdf'; lang: Language; year?: number }) {
    const system = await new SystemsService({ knex: this.knex, caller: this.caller }).load(systemId, 'edit');
    await this.requireLevel(systemId, input.type);
    if (input.format === 'pdf' && !this.deps.printer.available) throw new BrowserUnavailableError({ hint: BROWSER_INSTALL_HINT });
    const data = await assembleLifecycle(this.knex, this.caller, systemId, input.lang, { year: input.year });
    const title = documentLabels(input.lang)(`title_${input.type}`);
    const spec: DocumentSpec = { lang: input.lang, title, headerText: `${title} ${data.system.name}`, blocks: BUILDERS[input.type](data) };
    const body = input.format === 'docx' ? await writeDocx(spec) : await this.deps.printer.pdf(blocksToHtml(spec), { headerText: spec.headerText });
    const staged = await this.deps.store.stage(Readable.from([body]), 100 * 1024 * 1024);
    await staged.commit(system.organization_id);
    const id = newId();
    await this.knex('system_documents').insert({
      id,
      organization_id: system.organization_id,
      system_id: systemId,
      type: input.type,
      format: input.format,
      lang: input.lang,
      grading_version: data.grading?.version ?? null,
      file_name: sanitiseFileName(`${data.system.name}-${input.type}${input.type === 'protection_plan' ? `-${data.protectionPlan.year}` : ''}-${input.lang}${data.grading ? `-v${data.grading.version}` : ''}.${input.format}`),
      media_type: input.format === 'docx' ? DOCX_MEDIA_TYPE : 'application/pdf',
      hash: staged.hash,
      size: staged.size,
      generator: `dengbao ${packageVersion()}`,
      requested_by: this.caller.userId,
      requested_at: now(),
    });
    return documentView(await this.knex('system_documents').where({ id }).first());
  }

  /** The plan is a level-3+ document and level 1 is not filed (controls/filing-rules-2025.yaml): refused as the records are. */
  private async requireLevel(systemId: string, type: DocumentType): Promise<void> {
    if (type !== 'protection_plan' && type !== 'data_survey') return;
    const graded = (await latestGradings(this.knex, [systemId])).get(systemId)?.level;
    const level = graded === undefined ? undefined : Number(graded);
    if (type === 'protection_plan' && (level ?? 0) < filingRules().protectionPlan.minLevel) throw new ConflictError({ reason: 'protection_plan_below_level_three' });
    if (type === 'data_survey' && level !== undefined && level < filingRules().dataSurvey.minLevel) throw new ConflictError({ reason: 'level_one_not_filed' });
  }

  async list(systemId: string) {
    await new SystemsService({ knex: this.knex, caller: this.caller }).load(systemId, 'read');
    return (await this.knex('system_documents').where({ system_id: systemId }).orderBy('requested_at', 'desc')).map(documentView);
  }

  /** The archived file, re-hashed before it is served. */
  async download(id: string) {
    const row = await this.findScoped<Record<string, any> & { organization_id: string }>('system_documents', id, 'download', 'document');
    if ((await this.deps.store.verify(row.organization_id, row.hash)) !== 'ok') throw new EvidenceCorruptedError();
    return { view: documentView(row), open: () => this.deps.store.open(row.organization_id, row.hash) };
  }
}
