import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Knex } from 'knex';
import { z } from 'zod';
import { FindingsService } from '../assessments/findings.js';
import { ObjectsService } from '../assessments/objects.js';
import { ResultsService, type ResultInput } from '../assessments/results.js';
import { AssessmentsService } from '../assessments/service.js';
import type { Catalogue } from '../catalogue/index.js';
import { EvidenceService } from '../evidence/service.js';
import type { BlobStore } from '../storage/blob-store.js';
import { loadCaller } from './callers.js';
import { loadDemoVerification } from './demo-verification.js';

export const demoAssessmentSchema = z.strictObject({
  system: z.string(),
  as: z.string(),
  officer: z.string(),
  kind: z.enum(['self_assessment', 'gap_analysis', 'formal_test']),
  assessingOrganization: z.string(),
  assessingOrganizationCode: z.string(),
  startDate: z.string(),
  objects: z.array(z.record(z.string(), z.unknown())),
  findings: z.array(z.record(z.string(), z.any())),
  /** Verification tests, compensations (chapters 4, 6, appendices E, F). Optional: older fixtures have none. */
  verification: z
    .strictObject({
      scans: z.array(z.strictObject({ file: z.string(), content: z.string(), links: z.array(z.strictObject({ plugin: z.string(), finding: z.string() })) })),
      pentests: z.array(z.record(z.string(), z.any())),
      compensations: z.array(z.record(z.string(), z.any())),
    })
    .optional(),
  evidence: z.array(
    z.strictObject({
      title: z.string(),
      kind: z.string(),
      file: z.string(),
      content: z.string(),
      link: z.union([z.strictObject({ code: z.string() }), z.strictObject({ finding: z.string(), as: z.string() })]),
    }),
  ),
});

/** A stable pseudo-random number in [0, 1) from a text, so the demo is the same on every start. */
const stable = (s: string) => createHash('sha256').update(s).digest().readUInt32BE(0) / 2 ** 32;

/**
 * The demo assessment of the city-brain system: objects, results for most units (a deterministic
 * spread: mostly 符合, some 部分符合/不符合, the provider's machine room 不适用), a dozen findings at
 * various remediation stages, and evidence, all through the real services.
 */
export async function loadDemoAssessment(trx: Knex, spec: z.infer<typeof demoAssessmentSchema>, catalogue: Catalogue, store?: BlobStore): Promise<void> {
  const system = await trx('systems').where({ name: spec.system }).first();
  const as = async (username: string) => {
    const user = await trx('users').where({ username }).first();
    return { knex: trx, caller: (await loadCaller(trx, user.id, 'system'))! };
  };
  const ctx = await as(spec.as);
  const officerCtx = await as(spec.officer);
  const objects = await new ObjectsService(ctx).create(system.id, spec.objects as never);
  const idByName = new Map(objects.map((o) => [o.name, o.id]));
  const assessments = new AssessmentsService(ctx, catalogue);
  const a = await assessments.create({
    systemId: system.id,
    kind: spec.kind,
    assessingOrganization: spec.assessingOrganization,
    assessingOrganizationCode: spec.assessingOrganizationCode,
    startDate: spec.startDate,
  });
  const results = new ResultsService(ctx);
  const rows = await results.list(a.id);
  const concerned = new Map<string, string>();
  for (const f of spec.findings) {
    for (const o of f.objects as string[]) concerned.set(`${(f.units as string[])[0]}|${o === 'system' ? 'system' : idByName.get(o)}`, f.risk === 'low' ? 'partial' : 'nonconform');
  }
  const inputs: ResultInput[] = [];
  for (const r of rows) {
    if (r.inherited) continue; // the platform's own conclusion covers it
    const key = `${r.code}|${r.objectId ?? 'system'}`;
    const x = stable(`${r.code}|${r.objectName ?? 'system'}`);
    const machineRoom = r.layer === 'PES';
    let value: ResultInput['value'] = machineRoom ? 'na' : x < 0.82 ? 'conform' : x < 0.9 ? 'partial' : x < 0.94 ? 'na' : x < 0.97 ? 'nonconform' : 'not_assessed';
    if (concerned.has(key)) value = concerned.get(key) as ResultInput['value'];
    if (value === 'not_assessed') continue;
    const record = machineRoom
      ? '该定级对象部署于专有云，机房物理环境由云服务商负责，复用云平台等级测评结论。'
      : value === 'conform'
        ? `经核查，${r.objectName ?? '该系统'}满足该测评项要求。`
        : value === 'partial'
          ? `经核查，${r.objectName ?? '该系统'}部分满足该测评项要求。`
          : value === 'na'
            ? '该测评项不适用于该测评对象。'
            : `经核查，${r.objectName ?? '该系统'}未满足该测评项要求。`;
    inputs.push({ code: r.code, objectId: r.objectId, value, record, methods: ['interview', 'inspection'], rowVersion: r.rowVersion });
  }
  await results.bulk(a.id, inputs);

  const findings = new FindingsService(ctx);
  const created = new Map<string, string>();
  for (const f of spec.findings) {
    const finding = await findings.create(a.id, {
      title: f.title,
      units: f.units,
      objects: (f.objects as string[]).map((o) => (o === 'system' ? 'system' : idByName.get(o)!)),
      risk: f.risk,
      threat: f.threat ?? null,
      harm: f.harm ?? null,
      recommendation: f.recommendation ?? null,
    });
    created.set(f.title, finding.id);
    let version = finding.rowVersion;
    if (f.highRisk && finding.highRiskCase) version = (await findings.update(finding.id, { rowVersion: version, highRisk: { action: f.highRisk } })).rowVersion;
    if (f.mitigation) await findings.update(finding.id, { rowVersion: version, mitigation: f.mitigation });
  }

  if (store) {
    const evidence = new EvidenceService(ctx, store);
    for (const e of spec.evidence) {
      const staged = await store.stage(Readable.from([Buffer.from(e.content, 'utf8')]), 1024 * 1024);
      const ev = await evidence.create(system.organization_id, { title: e.title, kind: e.kind, collectedBy: '李测评', tags: ['demo'] }, { staged, clientName: e.file });
      if ('code' in e.link) {
        const row = rows.find((r) => r.code === (e.link as { code: string }).code)!;
        await evidence.link(ev.id, 'assessment_result', row.id);
      } else {
        await evidence.link(ev.id, e.link.as, created.get(e.link.finding)!);
      }
    }
  }

  // Remediation at its stage (verified needs the verification evidence linked above).
  const officerFindings = new FindingsService(officerCtx);
  for (const f of spec.findings) {
    const rem = f.remediation as { owner: string; dueDate: string; status: string; reason?: string };
    const id = created.get(f.title)!;
    const steps = rem.status === 'verified' ? ['fixed', 'verified'] : rem.status === 'fixed' ? ['in_progress', 'fixed'] : [rem.status];
    if (rem.status === 'verified' && !store) steps.pop();
    for (const status of steps) await officerFindings.remediate(id, { owner: rem.owner, dueDate: rem.dueDate, status: status as never, reason: rem.reason ?? null });
  }
  await loadDemoVerification(ctx, a.id, spec, { created, idByName, store, organizationId: system.organization_id });
}
