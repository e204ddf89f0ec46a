import { createHash } from 'node:crypto';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { loadAssessmentSnapshot, resultViewsOf } from '../../server/assessments/snapshot.js';
import { summaryOf } from '../../server/assessments/summary.js';
import { ScopedService, type ServiceContext } from '../../server/context.js';
import { EvidenceCorruptedError, type ErrorDetail } from '../../server/errors.js';
import type { BlobStore } from '../../server/storage/blob-store.js';
import { sanitiseFileName } from '../../server/storage/media-type.js';
import { now } from '../../server/util.js';
import { packageVersion } from '../../server/version.js';
import { renderIndex, type PackPage, type PageFile, type PageLayer } from './html.js';
import { checksumLines, INDEX, MANIFEST, MANIFEST_CHECKSUMS, PACK_FORMAT, type PackLink, type PackManifest, type PackManifestFile } from './manifest.js';

/**
 * A file added to the pack besides the evidence, e.g. the archived PDF test report under
 * `report/` (hook for the report module: pass `latestArchivedReport(...)` here once it exists).
 * Hashed while streamed like every file, and listed in the manifest with `evidenceId: null`.
 */
export interface ExtraFile {
  path: string;
  open(): Readable;
  /** When given, a stream of another length aborts the pack. */
  size?: number;
  title?: string;
  mediaType?: string;
  /** The SHA-256 recorded for the stored file: checked before the first byte, and while streaming. */
  expectedHash?: string;
  /** Re-hashes the stored file: anything but 'ok' refuses the pack (500 evidence_corrupted). */
  check?(): Promise<'ok' | 'missing' | 'corrupted'>;
}

/** An evidence pack ready to stream: everything is loaded and every stored file re-hashed. */
export interface EvidencePack {
  /** Suggested download name: evidence-pack-<report number or assessment id>[-r<revision>].zip */
  fileName: string;
  /** Files listed in the manifest (evidence and extra files). */
  fileCount: number;
  /**
   * Streams the ZIP into `out` (never held in memory whole). Rejects — after destroying `out` —
   * when a file cannot be read or no longer matches its recorded hash; resolves with the manifest.
   */
  write(out: Writable): Promise<PackManifest>;
}

interface PackFile {
  path: string;
  open(): Readable;
  /** The hash recorded for the stored file: a stream that does not match aborts the pack. */
  expectedHash?: string;
  size?: number;
  compress: boolean;
  meta: Omit<PackManifestFile, 'sha256' | 'size'>;
}

const ASSESSMENT_TARGETS = ['assessment_result', 'finding', 'remediation_verification', 'system'] as const;
const CHUNK = 500;
const RESERVED = new Set([MANIFEST, MANIFEST_CHECKSUMS, INDEX]);

/** Files that are already compressed (images, PDF, zip-based office documents) are stored as they are. */
function compressible(mediaType: string | undefined | null): boolean {
  if (!mediaType) return true;
  return mediaType.startsWith('text/') || ['application/json', 'application/xml', 'application/yaml', 'application/x-cfb', 'image/bmp', 'image/tiff'].includes(mediaType);
}

function chunks<T>(items: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * A pass-through that hashes and counts what it streams; on the end it reports the SHA-256 and
 * size, or fails when the content is not the expected one.
 */
function meter(file: PackFile, done: (sha: string, size: number) => void): Transform {
  const hash = createHash('sha256');
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
    flush(cb) {
      const digest = hash.digest('hex');
      if (file.expectedHash && digest !== file.expectedHash) {
        const detail: ErrorDetail = { path: file.path, code: 'corrupted', message: `${file.path} changed while the pack was written`, evidenceId: file.meta.evidenceId };
        return cb(new EvidenceCorruptedError({}, [detail]));
      }
      done(digest, size);
      cb();
    },
  });
}

/**
 * Builds the evidence pack of an assessment: the current version of every non-deleted evidence
 * record linked to one of its results, findings or remediation verifications, or to its system;
 * an offline index.html; manifest.json and manifest.sha256. Needs the `download` permission.
 */
export class EvidencePackService extends ScopedService {
  constructor(
    ctx: ServiceContext,
    private readonly store: BlobStore,
  ) {
    super(ctx);
  }

  async prepare(assessmentId: string, options: { extraFiles?: ExtraFile[] } = {}): Promise<EvidencePack> {
    // Loaded once (the download permission checked first); the summary and the page are computed from it.
    const snapshot = await loadAssessmentSnapshot({ knex: this.knex, caller: this.caller }, assessmentId, { permission: 'download', results: 'all', system: true, organization: true });
    const a = snapshot.row;
    const org = a.organization_id;
    const system = snapshot.system;
    const organization = snapshot.organization;
    const summary = summaryOf(snapshot);
    const results = resultViewsOf(snapshot);
    const findings = snapshot.findings;
    const hazards = snapshot.hazards;
    const units = snapshot.units;
    const objectNames = new Map<string, string>(snapshot.objects.map((o) => [o.id as string, o.name as string]));

    // ---- evidence linked to the assessment's results, findings, verifications and system ----
    const resultById = new Map(results.map((r) => [r.id, r]));
    const findingById = new Map(findings.map((f) => [f.id, f]));
    const targets: Array<[readonly string[], string[]]> = [
      [['assessment_result'], [...resultById.keys()]],
      [['finding', 'remediation_verification'], [...findingById.keys()]],
      [['system'], [a.system_id]],
    ];
    const links: Array<{ evidence_id: string; target_type: (typeof ASSESSMENT_TARGETS)[number]; target_id: string }> = [];
    for (const [types, ids] of targets) {
      for (const part of chunks(ids)) {
        links.push(
          ...(await this.scope
            .query(this.knex, 'evidence_links', 'download')
            .where('evidence_links.organization_id', org)
            .whereIn('evidence_links.target_type', types as string[])
            .whereIn('evidence_links.target_id', part)
            .select('evidence_links.evidence_id', 'evidence_links.target_type', 'evidence_links.target_id')),
        );
      }
    }
    const evidenceIds = [...new Set(links.map((l) => l.evidence_id))];
    const records: Array<Record<string, any>> = [];
    for (const part of chunks(evidenceIds)) {
      records.push(
        ...(await this.scope
          .query(this.knex, 'evidence', 'download')
          .join('evidence_versions', (j) => j.on('evidence_versions.evidence_id', 'evidence.id').andOn('evidence_versions.version', 'evidence.current_version'))
          .where('evidence.organization_id', org)
          .whereNull('evidence.deleted_at')
          .whereIn('evidence.id', part)
          .select(
            'evidence.id',
            'evidence.title',
            'evidence.kind',
            'evidence.created_at',
            'evidence_versions.version',
            'evidence_versions.hash',
            'evidence_versions.size',
            'evidence_versions.media_type',
            'evidence_versions.original_name',
          )),
      );
    }
    records.sort((x, y) => String(x.created_at).localeCompare(String(y.created_at)) || String(x.id).localeCompare(String(y.id)));

    // ---- refuse before any byte when a stored file is missing or corrupted ----
    const states = new Map<string, 'ok' | 'missing' | 'corrupted'>();
    for (const r of records) if (!states.has(r.hash)) states.set(r.hash, await this.store.verify(org, r.hash));
    const broken: ErrorDetail[] = records
      .filter((r) => states.get(r.hash) !== 'ok')
      .map((r) => ({ path: `evidence/${r.id}`, code: states.get(r.hash)!, message: `evidence ${r.id} version ${r.version} is ${states.get(r.hash)}`, evidenceId: r.id, version: Number(r.version), hash: r.hash }));
    // Extra files (the archived report) are stored files too: a bad one refuses the pack, never silently left out.
    for (const x of options.extraFiles ?? []) {
      const state = x.check ? await x.check() : 'ok';
      if (state !== 'ok') broken.push({ path: x.path, code: state, message: `${x.path} is ${state}`, hash: x.expectedHash });
    }
    if (broken.length) throw new EvidenceCorruptedError({}, broken);

    // ---- the files, with their links ----
    const linksOf = new Map<string, typeof links>();
    for (const l of links) linksOf.set(l.evidence_id, [...(linksOf.get(l.evidence_id) ?? []), l]);
    const files: PackFile[] = records.map((r) => {
      const own = linksOf.get(r.id) ?? [];
      const typed: PackLink[] = [];
      const unitsLinked = new Set<string>();
      const objectsLinked = new Set<string>();
      const findingsLinked = new Set<string>();
      for (const l of own) {
        if (l.target_type === 'assessment_result') {
          const res = resultById.get(l.target_id)!;
          typed.push({ type: 'assessment_result', unit: res.code, object: res.objectName });
          unitsLinked.add(res.code);
          if (res.objectName) objectsLinked.add(res.objectName);
        } else if (l.target_type === 'system') {
          typed.push({ type: 'system' });
        } else {
          const f = findingById.get(l.target_id)!;
          typed.push({ type: l.target_type, finding: f.number });
          findingsLinked.add(f.number);
        }
      }
      const path = `evidence/${r.id}-v${Number(r.version)}-${sanitiseFileName(r.original_name)}`;
      return {
        path,
        open: () => this.store.open(org, r.hash),
        expectedHash: r.hash as string,
        size: Number(r.size),
        compress: compressible(r.media_type),
        meta: {
          path,
          evidenceId: r.id as string,
          title: r.title as string,
          version: Number(r.version),
          mediaType: r.media_type as string,
          kind: r.kind as string,
          originalName: r.original_name as string,
          linkedUnits: [...unitsLinked].sort(),
          linkedObjects: [...objectsLinked].sort(),
          linkedFindings: [...findingsLinked].sort(),
          links: typed,
        },
      };
    });
    const taken = new Set([...RESERVED, ...files.map((f) => f.path)]);
    for (const x of options.extraFiles ?? []) {
      if (!/^[^/\\]/.test(x.path) || x.path.split('/').some((s) => s === '' || s === '.' || s === '..') || taken.has(x.path)) {
        throw new Error(`evidence pack: bad or duplicate extra file path ${x.path}`);
      }
      taken.add(x.path);
      files.push({
        path: x.path,
        open: x.open,
        size: x.size,
        expectedHash: x.expectedHash,
        compress: compressible(x.mediaType),
        meta: { path: x.path, evidenceId: null, title: x.title ?? null, version: null, mediaType: x.mediaType ?? null, kind: null, originalName: null, linkedUnits: [], linkedObjects: [], linkedFindings: [], links: [] },
      });
    }

    // ---- manifest header and index.html ----
    const generatedAt = now();
    const c = summary.conclusion;
    const header: Omit<PackManifest, 'files'> = {
      format: PACK_FORMAT,
      generator: { name: 'dengbao', version: packageVersion() },
      generatedAt,
      assessment: {
        id: a.id,
        revision: Number(a.revision),
        reportNumber: a.report_number ?? null,
        level: Number(a.level),
        kind: a.kind,
        status: a.status,
        system: { id: a.system_id, name: system?.name ?? '' },
        organization: { id: org, name: organization?.name ?? '', nameEn: organization?.name_en ?? null },
      },
      summary: {
        overallRate: summary.overall.rate ?? null,
        progress: summary.progress,
        units: { total: summary.units.total, complete: summary.units.complete, applicable: summary.units.applicable, counts: { ...summary.units.counts } },
        resultCounts: { ...summary.resultCounts },
        findings: { total: summary.findings.total, byRisk: { ...summary.findings.byRisk } },
        hazards: {
          total: summary.hazards.total,
          remediated: summary.hazards.remediated,
          counted: summary.hazards.counted,
          display: summary.hazards.display,
          list: hazards.map((h) => ({ number: h.number, trigger: h.trigger.code, title: h.trigger.title, status: h.status, dates: h.dates, findings: h.findings.map((f) => f.number), principles: h.principles, description: h.description })),
        },
        conclusion: { conclusion: c.conclusion, label: c.label, value: c.value, provisional: c.provisional, rule: c.rule },
        override: summary.override,
        finalConclusion: summary.finalConclusion,
      },
    };

    const pageFile = (f: PackFile): PageFile => ({ path: f.path, title: f.meta.title ?? f.path, version: f.meta.version, size: f.size ?? 0, sha256: f.expectedHash ?? '' });
    const byTarget = new Map<string, PageFile[]>();
    for (const f of files) {
      for (const l of f.meta.evidenceId ? (linksOf.get(f.meta.evidenceId) ?? []) : []) {
        const key = `${l.target_type}|${l.target_id}`;
        byTarget.set(key, [...(byTarget.get(key) ?? []), pageFile(f)]);
      }
    }
    const linkedTo = (type: string, id: string) => byTarget.get(`${type}|${id}`) ?? [];
    const resultsByCode = new Map<string, typeof results>();
    for (const r of results) resultsByCode.set(r.code, [...(resultsByCode.get(r.code) ?? []), r]);
    const layers: PageLayer[] = [];
    for (const u of units) {
      const rows = resultsByCode.get(u.code);
      if (!rows) continue;
      let layer = layers.at(-1);
      if (!layer || layer.code !== u.layer || layer.set !== u.set) layers.push((layer = { code: u.layer, set: u.set, name: u.layerName, controlPoints: [] }));
      let cp = layer.controlPoints.at(-1);
      if (!cp || cp.name.zh !== u.controlPoint.zh) layer.controlPoints.push((cp = { name: { zh: u.controlPoint.zh, en: u.controlPoint.en }, units: [] }));
      cp.units.push({
        code: u.code,
        text: u.text,
        results: rows.map((r) => ({ object: r.objectName, value: r.value, record: r.record, inherited: r.inherited, evidence: linkedTo('assessment_result', r.id) })),
      });
    }
    const page: PackPage = {
      manifest: header,
      layers,
      findings: findings.map((f) => ({
        number: f.number,
        title: f.title,
        risk: f.effectiveRisk,
        units: f.units,
        objects: f.objects.map((o) => (o === 'system' ? '整体 whole system' : (objectNames.get(o) ?? o))),
        remediation: f.remediation?.status ?? null,
        evidence: linkedTo('finding', f.id),
        verification: linkedTo('remediation_verification', f.id),
      })),
      systemEvidence: linkedTo('system', a.system_id),
      files: files.map(pageFile),
    };
    const index = Buffer.from(renderIndex(page), 'utf8');

    const name = sanitiseFileName(a.report_number ?? a.id);
    const fileName = `evidence-pack-${name}${Number(a.revision) > 1 ? `-r${Number(a.revision)}` : ''}.zip`;
    return { fileName, fileCount: files.length, write: (out) => writePack(out, header, files, index) };
  }
}

/** Streams the archive: files in order (each hashed as it goes), index.html, then the manifest and its checksums. */
async function writePack(out: Writable, header: Omit<PackManifest, 'files'>, files: PackFile[], index: Buffer): Promise<PackManifest> {
  const zip = new yazl.ZipFile();
  const output = zip.outputStream as Readable;
  const mtime = new Date(header.generatedAt);
  const streamed: Array<PackManifestFile | undefined> = new Array(files.length);
  const open = new Set<Readable>();
  let manifest: PackManifest | undefined;
  let manifestBody = Buffer.alloc(0);
  // yazl does not watch the streams it is given: every failure is routed to the archive, which
  // then ends its output with the error (and the pipeline below tears down `out`).
  zip.on('error', (err: Error) => output.destroy(err));

  files.forEach((file, i) => {
    zip.addReadStreamLazy(file.path, { mtime, compress: file.compress, ...(file.size !== undefined ? { size: file.size } : {}) }, (cb) => {
      let source: Readable;
      try {
        source = file.open();
      } catch (err) {
        return cb(err, undefined as never);
      }
      open.add(source);
      const m = meter(file, (sha, size) => (streamed[i] = { ...file.meta, sha256: sha, size }));
      source.on('error', (err) => zip.emit('error', err));
      source.on('close', () => open.delete(source));
      m.on('error', (err) => zip.emit('error', err));
      source.pipe(m);
      cb(null, m);
    });
  });
  zip.addBuffer(index, INDEX, { mtime });
  // Called by yazl only when every earlier entry is written: the hashes are those streamed.
  zip.addReadStreamLazy(MANIFEST, { mtime }, (cb) => {
    if (streamed.some((f) => !f)) return cb(new Error('evidence pack: a file was not streamed'), undefined as never);
    manifest = { ...header, files: streamed as PackManifestFile[] };
    manifestBody = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`, 'utf8');
    cb(null, Readable.from([manifestBody]));
  });
  zip.addReadStreamLazy(MANIFEST_CHECKSUMS, { mtime }, (cb) => {
    cb(null, Readable.from([Buffer.from(checksumLines([{ name: MANIFEST, sha256: sha256(manifestBody) }, { name: INDEX, sha256: sha256(index) }]), 'utf8')]));
  });
  zip.end();
  try {
    await pipeline(output, out);
  } finally {
    for (const s of open) s.destroy();
  }
  return manifest!;
}
