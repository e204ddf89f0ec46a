import { keysetPage, type Page, type PageRequest } from '../database/keyset.js';
import type { Knex } from 'knex';
import type { Readable } from 'node:stream';
import { ScopedService, type ServiceContext } from '../context.js';
import { lockRow } from '../database/locking.js';
import { transaction } from '../database/transaction.js';
import {
  ConflictError,
  EmptyFileError,
  EvidenceCorruptedError,
  ForbiddenError,
  NotFoundError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors.js';
import type { BlobStore, StagedBlob } from '../storage/blob-store.js';
import { ALLOWED_MEDIA_TYPES, sanitiseFileName, sniffMediaType } from '../storage/media-type.js';
import { newId, now } from '../util.js';
import { todayInChina } from '../dates.js';
import { assertLinkTarget } from './link-targets.js';
import { evidenceView, versionView, type EvidenceVersionView, type EvidenceView } from './views.js';

export interface EvidenceMetadata {
  title: string;
  kind: string;
  description?: string | null;
  collectedAt?: string;
  collectedBy?: string;
  validUntil?: string | null;
  source?: string | null;
  tags?: string[];
}

export interface EvidenceFilter {
  organizationId?: string;
  kind?: string;
  tag?: string;
  targetType?: string;
  targetId?: string;
  expired?: boolean;
  q?: string;
  includeDeleted?: boolean;
}

export interface UploadedFile {
  staged: StagedBlob;
  /** The client's file name, used only (sanitised) for display and downloads. */
  clientName: string | undefined;
}

export interface EvidenceDownload {
  size: number;
  mediaType: string;
  fileName: string;
  hash: string;
  open(range?: { start: number; end: number }): Readable;
}

export type EvidenceDetail = EvidenceView & {
  versions: EvidenceVersionView[];
  links: Array<{ id: string; targetType: string; targetId: string; createdBy: string; createdAt: string }>;
  history: Array<{ at: string; userId: string; action: string; details: unknown }>;
};

/**
 * Evidence records of the caller's organisations: files kept content-addressed per organisation,
 * every upload a new version (nothing overwritten), soft deletion with a reason, typed links, and
 * a history of every change. Consultants and officers write; auditors read and download.
 */
export class EvidenceService extends ScopedService {
  constructor(
    ctx: ServiceContext,
    private readonly store: BlobStore,
  ) {
    super(ctx);
  }

  /** Checked before an upload's body is read: the caller may upload to the organisation (or to some). */
  assertCanUpload(organizationId?: string): void {
    if (organizationId) this.scope.require(organizationId, 'edit', 'organization');
    else if (!this.scope.organizationIds('edit').length) throw new ForbiddenError({ action: 'edit' });
  }

  /** Checked before a form's body is judged: the record is the caller's to edit, and not deleted. */
  async assertCanEdit(id: string): Promise<{ organizationId: string }> {
    return this.assertLive(id, 'edit');
  }

  /** Deleting needs the organisation's manage permission (an officer's), as softDelete checks. */
  async assertCanDelete(id: string): Promise<{ organizationId: string }> {
    return this.assertLive(id, 'manage');
  }

  private async assertLive(id: string, permission: 'edit' | 'manage'): Promise<{ organizationId: string }> {
    const row = await this.findScoped<Record<string, any> & { organization_id: string }>('evidence', id, permission, 'evidence');
    if (row.deleted_at) throw new ConflictError({ reason: 'evidence_deleted' });
    return { organizationId: row.organization_id };
  }

  /** Which organisation an upload goes to: the one named, or the caller's only writable one. */
  resolveOrganization(organizationId: string | undefined): string {
    if (organizationId) {
      this.scope.require(organizationId, 'edit', 'organization');
      return organizationId;
    }
    const writable = this.scope.organizationIds('edit');
    if (writable.length === 1) return writable[0]!;
    if (!writable.length) throw new ForbiddenError({ action: 'edit' });
    throw new ValidationError({}, [{ path: 'organizationId', code: 'required', message: 'required: you may upload to several organisations' }]);
  }

  /** Sniffs and checks an uploaded file; on any problem the temporary file is removed. */
  private async accept(upload: UploadedFile): Promise<{ mediaType: string; name: string }> {
    const name = sanitiseFileName(upload.clientName);
    try {
      if (upload.staged.size === 0) throw new EmptyFileError();
      const mediaType = await sniffMediaType(upload.staged.head, name);
      if (!mediaType || !ALLOWED_MEDIA_TYPES.has(mediaType)) throw new UnsupportedMediaTypeError({ mediaType });
      return { mediaType, name };
    } catch (err) {
      await upload.staged.discard();
      throw err;
    }
  }

  /**
   * Registers the blob, idempotently: concurrent uploads of the same content in one organisation
   * all succeed, on PostgreSQL too (where the loser of the race would otherwise hit the primary
   * key). The file itself is moved into place by `staged.commit` as the transaction's last step:
   * a refused request never moves a file, and a committed row always has its file.
   */
  private async registerBlob(trx: Knex, organizationId: string, staged: StagedBlob, mediaType: string): Promise<void> {
    await trx('evidence_blobs')
      .insert({ organization_id: organizationId, hash: staged.hash, size: staged.size, media_type: mediaType, stored_at: now() })
      .onConflict(['organization_id', 'hash'])
      .ignore();
  }

  private async event(trx: Knex, evidenceId: string, organizationId: string, action: string, details: unknown = null): Promise<void> {
    await trx('evidence_events').insert({
      evidence_id: evidenceId,
      organization_id: organizationId,
      at: now(),
      user_id: this.caller.userId,
      action,
      details: details === null ? null : JSON.stringify(details),
    });
  }

  /**
   * A new evidence record with its first version. `links` are checked before anything is
   * written and created in the same transaction: a bad target leaves no record and no file.
   */
  async create(organizationId: string, meta: EvidenceMetadata, upload: UploadedFile, requestId?: string, links: Array<{ targetType: string; targetId: string }> = []): Promise<EvidenceDetail> {
    try {
      this.scope.require(organizationId, 'edit', 'organization');
    } catch (err) {
      await upload.staged.discard();
      throw err;
    }
    const { mediaType, name } = await this.accept(upload);
    const id = newId();
    try {
      await transaction(this.knex, async (trx) => {
        const request = requestId ? await this.openRequest(trx, organizationId, requestId) : undefined;
        for (const l of links) await assertLinkTarget(trx, organizationId, l.targetType, l.targetId);
        await this.registerBlob(trx, organizationId, upload.staged, mediaType);
        const at = now();
        await trx('evidence').insert({
          id,
          organization_id: organizationId,
          title: meta.title,
          kind: meta.kind,
          description: meta.description ?? null,
          collected_at: meta.collectedAt ?? at,
          collected_by: meta.collectedBy ?? this.caller.displayName,
          valid_until: meta.validUntil ?? null,
          source: meta.source ?? null,
          current_version: 1,
          created_by: this.caller.userId,
          created_at: at,
          updated_at: at,
        });
        await this.insertVersion(trx, id, organizationId, 1, upload.staged, mediaType, name, null);
        for (const tag of new Set(meta.tags ?? [])) await trx('evidence_tags').insert({ evidence_id: id, tag });
        await this.event(trx, id, organizationId, 'created', { version: 1, hash: upload.staged.hash, originalName: name });
        if (request) await this.fulfil(trx, request, id);
        for (const l of links) await this.insertLink(trx, id, organizationId, l.targetType, l.targetId);
        await upload.staged.commit(organizationId);
      });
    } catch (err) {
      await upload.staged.discard();
      throw err;
    }
    return this.get(id);
  }

  private async insertVersion(trx: Knex, evidenceId: string, organizationId: string, version: number, staged: StagedBlob, mediaType: string, name: string, note: string | null) {
    await trx('evidence_versions').insert({
      id: newId(),
      evidence_id: evidenceId,
      organization_id: organizationId,
      version,
      hash: staged.hash,
      size: staged.size,
      media_type: mediaType,
      original_name: name,
      uploaded_by: this.caller.userId,
      uploaded_at: now(),
      note,
    });
  }

  async addVersion(id: string, upload: UploadedFile, note?: string, requestId?: string): Promise<EvidenceDetail> {
    let row: Record<string, any>;
    try {
      row = await this.findScoped<Record<string, any> & { organization_id: string }>('evidence', id, 'edit', 'evidence');
      if (row.deleted_at) throw new ConflictError({ reason: 'evidence_deleted' });
    } catch (err) {
      await upload.staged.discard();
      throw err;
    }
    const { mediaType, name } = await this.accept(upload);
    try {
      await transaction(this.knex, async (trx) => {
        const request = requestId ? await this.openRequest(trx, row.organization_id, requestId) : undefined;
        // The next number under the record's row lock (PostgreSQL; SQLite runs one writer at a
        // time): concurrent uploads queue and each gets its own number, none fails.
        const current = await lockRow(trx, 'evidence', { id });
        if (!current || current.deleted_at) throw new ConflictError({ reason: 'evidence_deleted' });
        const version = Number(current.current_version) + 1;
        await this.registerBlob(trx, row.organization_id, upload.staged, mediaType);
        await this.insertVersion(trx, id, row.organization_id, version, upload.staged, mediaType, name, note ?? null);
        await trx('evidence').where({ id }).update({ current_version: version, updated_at: now() });
        await this.event(trx, id, row.organization_id, 'version_added', { version, hash: upload.staged.hash, originalName: name });
        if (request) await this.fulfil(trx, request, id);
        await upload.staged.commit(row.organization_id);
      });
    } catch (err) {
      await upload.staged.discard();
      throw err;
    }
    return this.get(id);
  }

  /** A page of the library, newest first, filtered in SQL (keyset on creation time and id). */
  async page(filter: EvidenceFilter, page: PageRequest): Promise<Page<EvidenceView>> {
    const keys = [
      { column: 'evidence.created_at', desc: true },
      { column: 'evidence.id', desc: true },
    ];
    const result = await keysetPage<Record<string, any>>(this.filtered(filter).select('evidence.*'), keys, page, (r) => [r.created_at, r.id]);
    return { ...result, rows: await this.views(result.rows) };
  }

  /** The older page-number form (`page`), kept for clients that use it. */
  async list(filter: EvidenceFilter & { page: number; pageSize: number }): Promise<{ data: EvidenceView[]; total: number }> {
    const q = this.filtered(filter);
    const countRow = await q.clone().count({ n: '*' }).first();
    const rows = await q
      .select('evidence.*')
      .orderBy('evidence.created_at', 'desc')
      .orderBy('evidence.id', 'desc')
      .limit(filter.pageSize)
      .offset((filter.page - 1) * filter.pageSize);
    return { data: await this.views(rows), total: Number(countRow?.n ?? 0) };
  }

  private filtered(filter: EvidenceFilter): Knex.QueryBuilder {
    let q = this.scope.query(this.knex, 'evidence');
    if (filter.organizationId) q = q.where('evidence.organization_id', filter.organizationId);
    if (!filter.includeDeleted) q = q.whereNull('evidence.deleted_at');
    if (filter.kind) q = q.where('evidence.kind', filter.kind);
    if (filter.tag) q = q.whereExists((s) => s.from('evidence_tags').whereRaw('evidence_tags.evidence_id = evidence.id').where('tag', filter.tag!));
    if (filter.targetType) {
      q = q.whereExists((s) => {
        s.from('evidence_links').whereRaw('evidence_links.evidence_id = evidence.id').where('target_type', filter.targetType!);
        if (filter.targetId) s.where('target_id', filter.targetId);
      });
    }
    if (filter.expired !== undefined) {
      const today = todayInChina();
      q = filter.expired
        ? q.where('evidence.valid_until', '<', today)
        : q.where((w) => w.whereNull('evidence.valid_until').orWhere('evidence.valid_until', '>=', today));
    }
    if (filter.q) {
      const like = `%${filter.q.toLowerCase().replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
      q = q.where((w) =>
        w
          .whereRaw("lower(evidence.title) like ? escape '\\'", [like])
          .orWhereRaw("lower(coalesce(evidence.description, '')) like ? escape '\\'", [like])
          .orWhereRaw("lower(coalesce(evidence.source, '')) like ? escape '\\'", [like]),
      );
    }
    return q;
  }

  /** Builds views for many rows with two queries (tags, current versions), not one per row. */
  private async views(rows: Record<string, any>[]): Promise<EvidenceView[]> {
    if (!rows.length) return [];
    const ids = rows.map((r) => r.id);
    const tags = await this.knex('evidence_tags').whereIn('evidence_id', ids).orderBy('tag');
    const versions = await this.knex('evidence_versions')
      .join('evidence', (j) => j.on('evidence.id', 'evidence_versions.evidence_id').andOn('evidence.current_version', 'evidence_versions.version'))
      .whereIn('evidence_versions.evidence_id', ids)
      .select('evidence_versions.*');
    return rows.map((r) =>
      evidenceView(
        r,
        tags.filter((t) => t.evidence_id === r.id).map((t) => t.tag),
        versions.find((v) => v.evidence_id === r.id)!,
      ),
    );
  }

  async get(id: string): Promise<EvidenceDetail> {
    const row = await this.findScoped<Record<string, any> & { organization_id: string }>('evidence', id, 'read', 'evidence');
    const [view] = await this.views([row]);
    const versions = await this.knex('evidence_versions').where({ evidence_id: id }).orderBy('version');
    const links = await this.knex('evidence_links').where({ evidence_id: id }).orderBy('created_at');
    const events = await this.knex('evidence_events').where({ evidence_id: id }).orderBy('seq');
    return {
      ...view!,
      versions: versions.map(versionView),
      links: links.map((l) => ({ id: l.id, targetType: l.target_type, targetId: l.target_id, createdBy: l.created_by, createdAt: l.created_at })),
      history: events.map((e) => ({ at: e.at, userId: e.user_id, action: e.action, details: e.details ? JSON.parse(e.details) : null })),
    };
  }

  async update(id: string, patch: Partial<EvidenceMetadata>): Promise<EvidenceDetail> {
    const row = await this.findScoped<Record<string, any> & { organization_id: string }>('evidence', id, 'edit', 'evidence');
    if (row.deleted_at) throw new ConflictError({ reason: 'evidence_deleted' });
    await transaction(this.knex, async (trx) => {
      const changes: Record<string, unknown> = {};
      const columns: Record<string, string> = { title: 'title', kind: 'kind', description: 'description', collectedAt: 'collected_at', collectedBy: 'collected_by', validUntil: 'valid_until', source: 'source' };
      const before: Record<string, unknown> = {};
      for (const [key, column] of Object.entries(columns)) {
        const value = patch[key as keyof EvidenceMetadata];
        if (value !== undefined && value !== row[column]) {
          changes[column] = value;
          before[key] = row[column] ?? null;
        }
      }
      if (patch.tags) {
        const old = (await trx('evidence_tags').where({ evidence_id: id }).pluck('tag')).sort();
        const next = [...new Set(patch.tags)].sort();
        if (JSON.stringify(old) !== JSON.stringify(next)) {
          await trx('evidence_tags').where({ evidence_id: id }).delete();
          for (const tag of next) await trx('evidence_tags').insert({ evidence_id: id, tag });
          before.tags = old;
        }
      }
      if (!Object.keys(before).length) return;
      await trx('evidence').where({ id }).update({ ...changes, updated_at: now() });
      await this.event(trx, id, row.organization_id, 'metadata_updated', { before });
    });
    return this.get(id);
  }

  /** Soft delete: the record and its files stay, marked deleted, with the reason in the history. */
  async softDelete(id: string, reason: string): Promise<EvidenceDetail> {
    const row = await this.findScoped<Record<string, any> & { organization_id: string }>('evidence', id, 'manage', 'evidence');
    if (row.deleted_at) throw new ConflictError({ reason: 'evidence_deleted' });
    await transaction(this.knex, async (trx) => {
      await trx('evidence').where({ id }).update({ deleted_at: now(), deleted_by: this.caller.userId, delete_reason: reason });
      await this.event(trx, id, row.organization_id, 'deleted', { reason });
    });
    return this.get(id);
  }

  async link(id: string, targetType: string, targetId: string): Promise<EvidenceDetail> {
    const row = await this.findScoped<Record<string, any> & { organization_id: string }>('evidence', id, 'edit', 'evidence');
    await assertLinkTarget(this.knex, row.organization_id, targetType, targetId);
    await transaction(this.knex, async (trx) => {
      await this.insertLink(trx, id, row.organization_id, targetType, targetId);
    });
    return this.get(id);
  }

  private async insertLink(trx: Knex, id: string, organizationId: string, targetType: string, targetId: string): Promise<void> {
    await trx('evidence_links').insert({
      id: newId(),
      organization_id: organizationId,
      evidence_id: id,
      target_type: targetType,
      target_id: targetId,
      created_by: this.caller.userId,
      created_at: now(),
    });
    await this.event(trx, id, organizationId, 'linked', { targetType, targetId });
  }

  async unlink(id: string, targetType: string, targetId: string): Promise<EvidenceDetail> {
    const row = await this.findScoped<Record<string, any> & { organization_id: string }>('evidence', id, 'edit', 'evidence');
    await transaction(this.knex, async (trx) => {
      const n = await trx('evidence_links').where({ evidence_id: id, target_type: targetType, target_id: targetId }).delete();
      if (!n) throw new NotFoundError({ resource: 'evidence_link', id: `${targetType}:${targetId}` });
      await this.event(trx, id, row.organization_id, 'unlinked', { targetType, targetId });
    });
    return this.get(id);
  }

  /**
   * A version ready to download, after re-hashing the stored file: a mismatch is never served
   * (500 evidence_corrupted). `version` undefined = the current one.
   */
  async download(id: string, version?: number): Promise<EvidenceDownload> {
    const row = await this.findScoped<Record<string, any> & { organization_id: string }>('evidence', id, 'download', 'evidence');
    const v = await this.knex('evidence_versions').where({ evidence_id: id, version: version ?? row.current_version }).first();
    if (!v) throw new NotFoundError({ resource: 'evidence_version', id: `${id}/${version}` });
    const state = await this.store.verify(row.organization_id, v.hash);
    if (state !== 'ok') {
      throw Object.assign(new EvidenceCorruptedError(), { evidence: { id, version: Number(v.version), hash: v.hash, state } });
    }
    return {
      size: Number(v.size),
      mediaType: v.media_type,
      fileName: v.original_name,
      hash: v.hash,
      open: (range) => this.store.open(row.organization_id, v.hash, range),
    };
  }

  // ---- evidence requests fulfilled by an upload ----

  private async openRequest(trx: Knex, organizationId: string, requestId: string): Promise<Record<string, any>> {
    const request = await trx('evidence_requests').where({ id: requestId, organization_id: organizationId }).first();
    if (!request) throw new NotFoundError({ resource: 'evidence_request', id: requestId });
    if (request.status !== 'open') throw new ConflictError({ reason: 'request_closed' });
    return request;
  }

  private async fulfil(trx: Knex, request: Record<string, any>, evidenceId: string): Promise<void> {
    await trx('evidence_requests').where({ id: request.id }).update({ status: 'fulfilled', fulfilled_evidence_id: evidenceId, fulfilled_at: now(), updated_at: now() });
    if (request.target_type && request.target_id) {
      const exists = await trx('evidence_links').where({ evidence_id: evidenceId, target_type: request.target_type, target_id: request.target_id }).first();
      if (!exists) {
        await trx('evidence_links').insert({
          id: newId(),
          organization_id: request.organization_id,
          evidence_id: evidenceId,
          target_type: request.target_type,
          target_id: request.target_id,
          created_by: this.caller.userId,
          created_at: now(),
        });
      }
    }
    await this.event(trx, evidenceId, request.organization_id, 'request_fulfilled', { requestId: request.id });
  }
}
