import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Knex } from 'knex';
import { ScopedService, type ServiceContext } from '../context.js';
import { transaction } from '../database/transaction.js';
import { NotFoundError } from '../errors.js';
import { EvidenceService } from '../evidence/service.js';
import { registerLinkTarget } from '../evidence/link-targets.js';
import type { BlobStore } from '../storage/blob-store.js';
import { newId, now } from '../util.js';
import { AssessmentsService } from '../assessments/service.js';
import { parseScanFile, SCAN_FILE_LIMIT_BYTES, type ParsedScan } from './formats.js';
import { matchHost } from './matching.js';

type Row = Record<string, any>;
registerLinkTarget('scan', async (knex, organizationId, targetId) => /^[0-9a-f-]{36}$/.test(targetId) && !!(await knex('scans').where({ id: targetId, organization_id: organizationId }).first()));
const RISKS = ['high', 'medium', 'low'] as const;

export function vulnerabilityView(r: Row, objectName?: string | null) {
  return {
    id: r.id as string,
    scanId: r.scan_id as string,
    host: (r.host ?? null) as string | null,
    hostname: (r.hostname ?? null) as string | null,
    objectId: (r.object_id ?? null) as string | null,
    objectName: objectName ?? null,
    port: (r.port ?? null) as string | null,
    protocol: (r.protocol ?? null) as string | null,
    pluginId: (r.plugin_id ?? null) as string | null,
    cves: JSON.parse(r.cves) as string[],
    level: r.level as string,
    risk: r.risk as 'high' | 'medium' | 'low',
    severityRaw: (r.severity_raw ?? null) as string | null,
    title: r.title as string,
    solution: (r.solution ?? null) as string | null,
    scannedAt: (r.scanned_at ?? null) as string | null,
    findingId: (r.finding_id ?? null) as string | null,
  };
}
export type VulnerabilityView = ReturnType<typeof vulnerabilityView>;

function scanView(r: Row, vulns: Row[]) {
  const counts = { high: 0, medium: 0, low: 0 };
  for (const v of vulns) counts[v.risk as (typeof RISKS)[number]]++;
  return {
    id: r.id as string,
    assessmentId: r.assessment_id as string,
    number: r.number as string,
    format: r.format as string,
    scanner: r.scanner as string,
    scannerVersion: (r.scanner_version ?? null) as string | null,
    scannedAt: (r.scanned_at ?? null) as string | null,
    fileName: r.file_name as string,
    fileHash: r.file_hash as string,
    evidenceId: (r.evidence_id ?? null) as string | null,
    informational: Number(r.informational),
    hosts: JSON.parse(r.hosts) as Array<{ host: string | null; hostname: string | null; objectId: string | null; reason?: string }>,
    counts,
    vulnerabilities: vulns.length,
    createdAt: r.created_at as string,
  };
}
export type ScanView = ReturnType<typeof scanView>;

/** An assessment's scans with their counts. No tenancy check: for a caller that loaded the assessment (snapshot.ts). */
export async function readScans(trx: Knex, assessmentId: string): Promise<ScanView[]> {
  const scans: Row[] = await trx('scans').where({ assessment_id: assessmentId }).orderBy('seq');
  const vulns: Row[] = await trx('scan_vulnerabilities').where({ assessment_id: assessmentId }).select('scan_id', 'risk');
  return scans.map((s) => scanView(s, vulns.filter((v) => v.scan_id === s.id)));
}

/** Every vulnerability of an assessment (or of one scan), highest risk first. No tenancy check (see readScans). */
export async function readVulnerabilities(trx: Knex, assessmentId: string, filter: { scanId?: string } = {}): Promise<VulnerabilityView[]> {
  let q = trx('scan_vulnerabilities')
    .leftJoin('assessed_objects', 'assessed_objects.id', 'scan_vulnerabilities.object_id')
    .leftJoin('scans', 'scans.id', 'scan_vulnerabilities.scan_id')
    .where('scan_vulnerabilities.assessment_id', assessmentId)
    .select('scan_vulnerabilities.*', 'assessed_objects.name as object_name', 'scans.seq as scan_seq');
  if (filter.scanId) q = q.where('scan_vulnerabilities.scan_id', filter.scanId);
  const rows: Row[] = await q;
  const rank = { high: 0, medium: 1, low: 2 } as Record<string, number>;
  return rows
    .sort((a, b) => rank[a.risk]! - rank[b.risk]! || Number(a.scan_seq) - Number(b.scan_seq) || Number(a.seq) - Number(b.seq))
    .map((r) => vulnerabilityView(r, r.object_name));
}

/**
 * 漏洞扫描 of an assessment: scanner files imported whole (one transaction), hosts matched to the
 * assessed objects, the raw file kept as evidence (hashed, content-addressed). The same file (same
 * SHA-256) imported again into the same assessment returns the earlier scan instead of counting it twice.
 */
export class ScansService extends ScopedService {
  private assessments: AssessmentsService;

  constructor(
    ctx: ServiceContext,
    private readonly store?: BlobStore,
  ) {
    super(ctx);
    this.assessments = new AssessmentsService(ctx);
  }

  /** Imports a file; `created` is false when the same file was already imported (idempotent). */
  async import(assessmentId: string, file: { content: Buffer; fileName: string }): Promise<{ created: boolean; scan: ScanView }> {
    await this.assessments.loadWritable(assessmentId);
    // Parsed before anything is written: a bad file leaves no trace (415/422).
    const parsed = parseScanFile(file.content, file.fileName);
    const hash = createHash('sha256').update(file.content).digest('hex');
    const existing = await this.knex('scans').where({ assessment_id: assessmentId, file_hash: hash }).first();
    if (existing) return { created: false, scan: await this.get(existing.id) };
    const staged = this.store ? await this.store.stage(Readable.from([file.content]), SCAN_FILE_LIMIT_BYTES) : undefined;
    try {
      const id = await transaction(this.knex, (trx) => this.insert(trx, assessmentId, parsed, hash, file.fileName, staged));
      return { created: true, scan: await this.get(id) };
    } finally {
      await staged?.discard();
    }
  }

  /**
   * The dry run of an import: the file parsed and its hosts matched exactly as `import` would,
   * nothing written. `duplicateOf` names the scan this very file was already imported as.
   */
  async preview(assessmentId: string, file: { content: Buffer; fileName: string }) {
    const a = await this.assessments.loadWritable(assessmentId);
    const parsed = parseScanFile(file.content, file.fileName);
    const hash = createHash('sha256').update(file.content).digest('hex');
    const existing = await this.knex('scans').where({ assessment_id: assessmentId, file_hash: hash }).first();
    const objects: Row[] = await this.knex('assessed_objects').where({ system_id: a.system_id }).select('id', 'name', 'ip');
    const name = new Map(objects.map((o) => [o.id as string, o.name as string]));
    const counts = { high: 0, medium: 0, low: 0 };
    for (const v of parsed.vulnerabilities) counts[v.risk]++;
    return {
      dryRun: true as const,
      format: parsed.format,
      scanner: parsed.scanner,
      scannerVersion: parsed.scannerVersion,
      scannedAt: parsed.scannedAt,
      fileName: file.fileName,
      fileHash: hash,
      duplicateOf: (existing?.number ?? null) as string | null,
      hosts: parsed.hosts.map((h) => {
        const m = matchHost(objects as never, h.host, h.hostname);
        return { host: h.host, hostname: h.hostname, objectId: m.objectId, objectName: m.objectId ? (name.get(m.objectId) ?? null) : null, ...(m.objectId ? {} : { reason: (m as { reason: string }).reason }) };
      }),
      counts,
      vulnerabilities: parsed.vulnerabilities.length,
      informational: parsed.informational,
    };
  }

  private async insert(trx: Knex, assessmentId: string, parsed: ParsedScan, hash: string, fileName: string, staged?: Awaited<ReturnType<BlobStore['stage']>>): Promise<string> {
    const a = await this.assessments.loadWritable(assessmentId, trx);
    const objects: Row[] = await trx('assessed_objects').where({ system_id: a.system_id }).select('id', 'name', 'ip');
    const matches = new Map<string, ReturnType<typeof matchHost>>();
    const matchOf = (host: string | null, hostname: string | null) => {
      const key = `${host}|${hostname}`;
      if (!matches.has(key)) matches.set(key, matchHost(objects as never, host, hostname));
      return matches.get(key)!;
    };
    const evidence = staged ? new EvidenceService({ knex: trx, caller: this.caller }, this.store!) : undefined;
    const ev = staged
      ? await evidence!.create(
          a.organization_id,
          { title: `${parsed.scanner}${parsed.scannerVersion ? ` ${parsed.scannerVersion}` : ''} — ${fileName}`, kind: 'scan_report', source: parsed.scanner, tags: ['vulnerability-scan'] },
          { staged, clientName: fileName },
        )
      : undefined;
    const evidenceId = ev?.id ?? null;
    const last = await trx('scans').where({ assessment_id: assessmentId }).max({ s: 'seq' }).first();
    const seq = Number(last?.s ?? 0) + 1;
    const id = newId();
    await trx('scans').insert({
      id,
      assessment_id: assessmentId,
      organization_id: a.organization_id,
      seq,
      number: `S${String(seq).padStart(2, '0')}`,
      format: parsed.format,
      scanner: parsed.scanner.slice(0, 100),
      scanner_version: parsed.scannerVersion?.slice(0, 100) ?? null,
      scanned_at: parsed.scannedAt?.slice(0, 40) ?? null,
      file_name: fileName.slice(0, 255),
      file_hash: hash,
      evidence_id: evidenceId,
      informational: parsed.informational,
      hosts: JSON.stringify(
        parsed.hosts.map((h) => {
          const m = matchOf(h.host, h.hostname);
          return { host: h.host, hostname: h.hostname, objectId: m.objectId, ...(m.objectId ? {} : { reason: (m as { reason: string }).reason }) };
        }),
      ),
      created_by: this.caller.userId,
      created_at: now(),
    });
    if (ev) await evidence!.link(ev.id, 'scan', id);
    const rows = parsed.vulnerabilities.map((v, i) => ({
      id: newId(),
      scan_id: id,
      assessment_id: assessmentId,
      organization_id: a.organization_id,
      seq: i + 1,
      host: v.host?.slice(0, 255) ?? null,
      hostname: v.hostname?.slice(0, 255) ?? null,
      object_id: matchOf(v.host, v.hostname).objectId,
      port: v.port?.slice(0, 32) ?? null,
      protocol: v.protocol?.slice(0, 16) ?? null,
      plugin_id: v.pluginId?.slice(0, 100) ?? null,
      cves: JSON.stringify(v.cves),
      level: v.level,
      risk: v.risk,
      severity_raw: v.severityRaw?.slice(0, 100) ?? null,
      title: v.title.slice(0, 500),
      solution: v.solution,
      scanned_at: v.scannedAt?.slice(0, 40) ?? null,
    }));
    // Batches keep each statement under the engines' parameter limits.
    for (let i = 0; i < rows.length; i += 50) await trx('scan_vulnerabilities').insert(rows.slice(i, i + 50));
    return id;
  }

  async list(assessmentId: string, trx: Knex = this.knex): Promise<ScanView[]> {
    await this.assessments.load(assessmentId, 'read', trx);
    return readScans(trx, assessmentId);
  }

  private async loadScan(id: string, trx: Knex = this.knex): Promise<Row> {
    const row = await this.scope.query(trx, 'scans').where('scans.id', id).first();
    if (!row) throw new NotFoundError({ resource: 'scan', id });
    return row;
  }

  async get(id: string, trx: Knex = this.knex): Promise<ScanView> {
    const row = await this.loadScan(id, trx);
    return scanView(row, await trx('scan_vulnerabilities').where({ scan_id: id }).select('risk'));
  }

  /** Every vulnerability of an assessment (or of one scan), highest risk first, with its object's name. */
  async vulnerabilities(assessmentId: string, filter: { scanId?: string } = {}, trx: Knex = this.knex): Promise<VulnerabilityView[]> {
    await this.assessments.load(assessmentId, 'read', trx);
    return readVulnerabilities(trx, assessmentId, filter);
  }

  async loadVulnerability(id: string, trx: Knex = this.knex): Promise<Row> {
    const row = await this.scope.query(trx, 'scan_vulnerabilities').where('scan_vulnerabilities.id', id).first();
    if (!row) throw new NotFoundError({ resource: 'scan_vulnerability', id });
    return row;
  }

  /** Removes a scan and its vulnerabilities (the evidence file stays: evidence is never deleted silently). */
  async remove(id: string): Promise<void> {
    await transaction(this.knex, async (trx) => {
      const row = await this.loadScan(id, trx);
      await this.assessments.loadWritable(row.assessment_id, trx);
      await trx('scan_vulnerabilities').where({ scan_id: id }).delete();
      await trx('scans').where({ id }).delete();
    });
  }
}

/** Counts by object and risk for chapter 4 and appendix E (unmatched hosts grouped under their address). */
export function countsByObject(vulns: readonly VulnerabilityView[]) {
  const map = new Map<string, { objectId: string | null; name: string; high: number; medium: number; low: number; total: number }>();
  for (const v of vulns) {
    const key = v.objectId ?? `host:${v.host ?? v.hostname}`;
    const e = map.get(key) ?? { objectId: v.objectId, name: v.objectName ?? v.hostname ?? v.host ?? '?', high: 0, medium: 0, low: 0, total: 0 };
    e[v.risk]++;
    e.total++;
    map.set(key, e);
  }
  return [...map.values()].sort((a, b) => Number(!a.objectId) - Number(!b.objectId) || b.high - a.high || b.total - a.total || a.name.localeCompare(b.name));
}
