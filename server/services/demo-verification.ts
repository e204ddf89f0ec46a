import { Readable } from 'node:stream';
import type { z } from 'zod';
import { CompensationsService } from '../assessments/compensations.js';
import { FindingsService } from '../assessments/findings.js';
import { RiskAnalysisService } from '../assessments/risk-analysis.js';
import type { ServiceContext } from '../context.js';
import { EvidenceService } from '../evidence/service.js';
import type { BlobStore } from '../storage/blob-store.js';
import { PentestsService } from '../verification/pentests.js';
import { RaiseFindingService } from '../verification/raise.js';
import { ScansService } from '../verification/scans.js';
import type { demoAssessmentSchema } from './demo-assessment.js';

/**
 * The demo's verification tests, compensation and risk analysis, through the real services: a
 * small Nessus scan (one host matching no object), two pen-test cases, the weak-password
 * compensation (the same measure and risk after as the finding's own 修正, so the summary and
 * conclusion are unchanged) and each finding's risk analysis, matching the risk already recorded.
 * No finding is added.
 */
export async function loadDemoVerification(
  ctx: ServiceContext,
  assessmentId: string,
  spec: z.infer<typeof demoAssessmentSchema>,
  refs: { created: Map<string, string>; idByName: Map<string, string>; store?: BlobStore; organizationId: string },
): Promise<void> {
  // Loading the demo on a database migrated only up to an earlier version (migration tests): nothing to add.
  if (!(await ctx.knex.schema.hasTable('compensations'))) return;
  const findingId = (title: string) => refs.created.get(title)!;
  const analysis = new RiskAnalysisService(ctx);
  for (const f of spec.findings) {
    if (!f.riskAnalysis) continue;
    const id = findingId(f.title);
    const current = await new FindingsService(ctx).get(id);
    await analysis.save(id, { rowVersion: current.rowVersion, threats: f.riskAnalysis.threats, likelihood: f.riskAnalysis.likelihood, impact: f.riskAnalysis.impact, ...(f.riskAnalysis.harm ? { harm: f.riskAnalysis.harm } : {}) });
  }
  const v = spec.verification;
  if (!v) return;
  const scans = new ScansService(ctx, refs.store);
  const raise = new RaiseFindingService(ctx);
  for (const s of v.scans) {
    const { scan } = await scans.import(assessmentId, { content: Buffer.from(s.content, 'utf8'), fileName: s.file });
    const vulns = await scans.vulnerabilities(assessmentId, { scanId: scan.id });
    for (const l of s.links) await raise.fromVulnerability(vulns.find((x) => x.pluginId === l.plugin)!.id, { findingId: findingId(l.finding) });
  }
  const pentests = new PentestsService(ctx);
  for (const p of v.pentests) {
    const [created] = await pentests.create(assessmentId, [{ objectId: refs.idByName.get(p.object) ?? null, entryPoint: p.entryPoint, method: p.method, steps: p.steps, result: p.result, risk: p.risk, testedAt: p.testedAt }]);
    if (p.finding) await raise.fromPentest(created!.id, { findingId: findingId(p.finding) });
    if (p.screenshot && refs.store) {
      // A stand-in screenshot (a 1×1 PNG): the demo carries no real capture.
      const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082', 'hex');
      const evidence = new EvidenceService(ctx, refs.store);
      const staged = await refs.store.stage(Readable.from([png]), 1024 * 1024);
      const ev = await evidence.create(refs.organizationId, { title: p.screenshot, kind: 'screenshot', collectedBy: '李测评', tags: ['demo'] }, { staged, clientName: 'pentest.png' });
      await evidence.link(ev.id, 'pentest_case', created!.id);
    }
  }
  const compensations = new CompensationsService(ctx);
  for (const c of v.compensations) {
    await compensations.create(assessmentId, { kind: c.kind, measure: c.measure, reasoning: c.reasoning, effects: c.effects, findings: (c.findings as Array<{ finding: string; riskAfter: 'high' | 'medium' | 'low' }>).map((f) => ({ findingId: findingId(f.finding), riskAfter: f.riskAfter })) });
  }
}
