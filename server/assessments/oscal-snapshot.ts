import type { Catalogue } from '../catalogue/index.js';
import { ScopedService, type ServiceContext } from '../context.js';
import type { FindingView } from './findings.js';
import type { ResultView } from './results.js';
import type { AssessmentsService } from './service.js';
import { loadAssessmentSnapshot, resultViewsOf } from './snapshot.js';
import { summaryOf, type AssessmentSummary } from './summary.js';

export interface LinkedEvidence {
  evidenceId: string;
  title: string;
  version: number;
  hash: string;
  mediaType: string;
  fileName: string;
}

/** Everything the OSCAL assessment-results and POA&M builders need, from one assessment snapshot (snapshot.ts) and the linked evidence (reports/oscal/*: pure functions of it). */
export interface AssessmentSnapshot {
  assessment: Awaited<ReturnType<AssessmentsService['get']>>;
  system: { id: string; name: string };
  results: Array<ResultView & { layer: string; controlPoint: string; text: { zh: string; en: string } }>;
  findings: FindingView[];
  summary: AssessmentSummary;
  /** Evidence linked to each result (by result id): the current version's file and SHA-256. */
  evidence: Map<string, LinkedEvidence[]>;
}

export class AssessmentSnapshotService extends ScopedService {
  constructor(ctx: ServiceContext, private readonly catalogue: Catalogue) {
    super(ctx);
  }

  /** Tenancy and the read permission are checked first (404 / 403), by the assessment's own load. */
  async load(assessmentId: string): Promise<AssessmentSnapshot> {
    // One load of the assessment (snapshot.ts); the results and the summary are computed from it.
    const snapshot = await loadAssessmentSnapshot({ knex: this.knex, caller: this.caller }, assessmentId, { results: 'all', system: true });
    const assessment = snapshot.assessment;
    const system = snapshot.system!;
    const results = resultViewsOf(snapshot);
    const findings = [...snapshot.findings];
    const summary = summaryOf(snapshot);
    const links: Array<Record<string, any>> = await this.scope
      .query(this.knex, 'evidence_links')
      .join('evidence', 'evidence.id', 'evidence_links.evidence_id')
      .join('evidence_versions', (j) => j.on('evidence_versions.evidence_id', '=', 'evidence.id').andOn('evidence_versions.version', '=', 'evidence.current_version'))
      .where('evidence_links.target_type', 'assessment_result')
      .where('evidence_links.organization_id', assessment.organizationId)
      .whereNull('evidence.deleted_at')
      .whereIn('evidence_links.target_id', results.map((r) => r.id))
      .orderBy(['evidence_links.target_id', 'evidence.id'])
      .select('evidence_links.target_id', 'evidence.id as evidence_id', 'evidence.title', 'evidence_versions.version', 'evidence_versions.hash', 'evidence_versions.media_type', 'evidence_versions.original_name');
    const evidence = new Map<string, LinkedEvidence[]>();
    for (const l of links) {
      const list = evidence.get(l.target_id) ?? [];
      list.push({ evidenceId: l.evidence_id, title: l.title, version: Number(l.version), hash: l.hash, mediaType: l.media_type, fileName: l.original_name });
      evidence.set(l.target_id, list);
    }
    return { assessment, system: { id: system.id, name: system.name }, results, findings, summary, evidence };
  }
}
