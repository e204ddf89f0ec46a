import { todayInChina } from '../dates.js';
import { ACTIVE_MEDIA_TYPES } from '../storage/media-type.js';

export interface EvidenceVersionView {
  version: number;
  hash: string;
  size: number;
  mediaType: string;
  originalName: string;
  uploadedBy: string;
  uploadedAt: string;
  note: string | null;
  /** A web document (HTML, XHTML, SVG) a browser would run: download only, never shown inline. */
  activeContent: boolean;
}

export interface EvidenceView {
  id: string;
  organizationId: string;
  title: string;
  kind: string;
  description: string | null;
  collectedAt: string;
  collectedBy: string;
  validUntil: string | null;
  /** valid_until is before today (Asia/Shanghai). */
  expired: boolean;
  source: string | null;
  tags: string[];
  currentVersion: EvidenceVersionView;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  deleted: { at: string; by: string; reason: string } | null;
}

export const versionView = (r: Record<string, any>): EvidenceVersionView => ({
  version: Number(r.version),
  hash: r.hash,
  size: Number(r.size),
  mediaType: r.media_type,
  originalName: r.original_name,
  uploadedBy: r.uploaded_by,
  uploadedAt: r.uploaded_at,
  note: r.note ?? null,
  activeContent: ACTIVE_MEDIA_TYPES.has(r.media_type),
});

export function evidenceView(r: Record<string, any>, tags: string[], current: Record<string, any>, today = todayInChina()): EvidenceView {
  return {
    id: r.id,
    organizationId: r.organization_id,
    title: r.title,
    kind: r.kind,
    description: r.description ?? null,
    collectedAt: r.collected_at,
    collectedBy: r.collected_by,
    validUntil: r.valid_until ?? null,
    expired: !!r.valid_until && r.valid_until < today,
    source: r.source ?? null,
    tags,
    currentVersion: versionView(current),
    createdBy: r.created_by,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deleted: r.deleted_at ? { at: r.deleted_at, by: r.deleted_by, reason: r.delete_reason } : null,
  };
}
