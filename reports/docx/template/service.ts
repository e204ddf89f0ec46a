import { Readable } from 'node:stream';
import { ScopedService, type ServiceContext } from '../../../server/context.js';
import { transaction } from '../../../server/database/transaction.js';
import { EvidenceCorruptedError, NotFoundError, TemplateInvalidError } from '../../../server/errors.js';
import type { BlobStore } from '../../../server/storage/blob-store.js';
import { newId, now } from '../../../server/util.js';
import { inspectTemplate } from './fill.js';

export const TEMPLATE_MAX_BYTES = 10 * 1024 * 1024;

const versionView = (r: Record<string, any>) => ({
  version: Number(r.version),
  fileName: r.file_name as string,
  sha256: r.hash as string,
  size: Number(r.size),
  fields: JSON.parse(r.fields) as string[],
  uploadedBy: r.uploaded_by as string,
  uploadedAt: r.uploaded_at as string,
});

/**
 * Organisation Word templates: a template is named per organisation; each upload under the same
 * name is a new version (the file is a blob in the organisation's content-addressed store).
 * Officers upload; every member can list them; reports record the version they were filled on.
 */
export class ReportTemplatesService extends ScopedService {
  constructor(
    ctx: ServiceContext,
    private readonly store: BlobStore,
  ) {
    super(ctx);
  }

  /** Officers only (checked before the upload is read). */
  assertCanUpload(organizationId: string): void {
    this.scope.require(organizationId, 'manage', 'organization');
  }

  /** Checks and stores a template (a new version if the name exists). Refused with 422 naming each bad placeholder and its position. */
  async upload(organizationId: string, name: string, file: Buffer, clientName: string | undefined) {
    this.scope.require(organizationId, 'manage', 'organization');
    const { problems, fields } = inspectTemplate(file);
    if (problems.length) throw new TemplateInvalidError({ count: problems.length }, problems);
    const staged = await this.store.stage(Readable.from([file]), TEMPLATE_MAX_BYTES);
    await staged.commit(organizationId);
    const templateId = await transaction(this.knex, async (trx) => {
      const existing = await trx('report_templates').where({ organization_id: organizationId, name }).first();
      const id: string = existing?.id ?? newId();
      if (!existing) await trx('report_templates').insert({ id, organization_id: organizationId, name, created_by: this.caller.userId, created_at: now() });
      const last = await trx('report_template_versions').where({ template_id: id }).max({ v: 'version' }).first();
      await trx('report_template_versions').insert({
        id: newId(),
        template_id: id,
        organization_id: organizationId,
        version: Number(last?.v ?? 0) + 1,
        file_name: (clientName ?? `${name}.docx`).slice(0, 255),
        hash: staged.hash,
        size: staged.size,
        fields: JSON.stringify(fields),
        uploaded_by: this.caller.userId,
        uploaded_at: now(),
      });
      return id;
    });
    return this.get(templateId);
  }

  async list(organizationId: string) {
    this.scope.require(organizationId, 'read', 'organization');
    const rows = await this.knex('report_templates').where({ organization_id: organizationId }).orderBy('name');
    return Promise.all(rows.map((r: Record<string, any>) => this.view(r)));
  }

  async get(id: string) {
    return this.view(await this.findScoped('report_templates', id, 'read', 'report_template'));
  }

  private async view(r: Record<string, any>) {
    const versions = (await this.knex('report_template_versions').where({ template_id: r.id }).orderBy('version')).map(versionView);
    return { id: r.id as string, organizationId: r.organization_id as string, name: r.name as string, latestVersion: versions.at(-1)?.version ?? 0, versions, createdAt: r.created_at as string };
  }

  /** The newest version of a template of `organizationId` (another organisation's → 404). */
  async latest(id: string, organizationId: string): Promise<{ templateId: string; version: number; hash: string; organizationId: string }> {
    const t = await this.findScoped<{ organization_id: string; id: string }>('report_templates', id, 'read', 'report_template');
    if (t.organization_id !== organizationId) throw new NotFoundError({ resource: 'report_template', id });
    const v = await this.knex('report_template_versions').where({ template_id: id }).orderBy('version', 'desc').first();
    if (!v) throw new NotFoundError({ resource: 'report_template', id });
    return { templateId: id, version: Number(v.version), hash: v.hash, organizationId };
  }

  /** One version's file (re-hashed before it is served). */
  async download(id: string, version: number) {
    const t = await this.findScoped<{ organization_id: string; id: string }>('report_templates', id, 'download', 'report_template');
    const v = await this.knex('report_template_versions').where({ template_id: id, version }).first();
    if (!v) throw new NotFoundError({ resource: 'report_template_version', id: `${id} v${version}` });
    if ((await this.store.verify(t.organization_id, v.hash)) !== 'ok') throw new EvidenceCorruptedError();
    return { view: versionView(v), open: () => this.store.open(t.organization_id, v.hash) };
  }
}

/** Reads a stored template into memory (templates are small), checking its hash. */
export async function readTemplateBlob(store: BlobStore, organizationId: string, hash: string): Promise<Buffer> {
  if ((await store.verify(organizationId, hash)) !== 'ok') throw new EvidenceCorruptedError();
  const chunks: Buffer[] = [];
  for await (const c of store.open(organizationId, hash)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
