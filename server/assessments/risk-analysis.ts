import { ScopedService, type ServiceContext } from '../context.js';
import { transaction } from '../database/transaction.js';
import { ConflictError, NotFoundError, ValidationError } from '../errors.js';
import { now } from '../util.js';
import { matrixRisk, verificationTables } from '../verification/tables.js';
import { FindingsService, type FindingView, type Risk } from './findings.js';
import { AssessmentsService } from './service.js';

const RANK: Record<Risk, number> = { low: 0, medium: 1, high: 2 };
/** Impact suggested from the most important related object (关键/重要/一般). */
const IMPACT_BY_IMPORTANCE: Record<string, number> = { key: 4, important: 3, general: 2 };
/** Likelihood suggested when a scan or pen test showed the weakness (a verified exploit is 很高). */
const LIKELIHOOD_BY_SOURCE: Record<string, number> = { pentest_high: 5, pentest_medium: 4, scan_critical: 4, scan_high: 4, scan_medium: 3, scan_low: 2, pentest_low: 3 };

export interface RiskAnalysisInput {
  rowVersion: number;
  threats: string[];
  threat?: string | null;
  harm?: string | null;
  objects?: string[];
  likelihood: number;
  impact: number;
  override?: { risk: Risk; reason: string } | null;
}

/**
 * The risk analysis of a finding (chapter 7): related assets (objects), threat classes from the
 * catalogue, the harm, and likelihood × impact → risk through the matrix (controls/risk-matrix.yaml),
 * overridable with a reason. Suggestions come from the units' layers, the objects' categories and
 * importance, and the scan or pen test the finding was raised from — each with its basis, never
 * stored without the assessor saving them.
 */
export class RiskAnalysisService extends ScopedService {
  private findings: FindingsService;
  private assessments: AssessmentsService;

  constructor(ctx: ServiceContext) {
    super(ctx);
    this.findings = new FindingsService(ctx);
    this.assessments = new AssessmentsService(ctx);
  }

  private async load(id: string, trx = this.knex) {
    const row = await this.scope.query(trx, 'findings').where('findings.id', id).first();
    if (!row) throw new NotFoundError({ resource: 'finding', id });
    return row as Record<string, any>;
  }

  async suggest(findingId: string) {
    const f = await this.load(findingId);
    await this.assessments.load(f.assessment_id);
    const units = JSON.parse(f.units) as string[];
    const layers = [...new Set(units.map((u) => /^L\d-([A-Z]{3})/.exec(u)?.[1]).filter((x): x is string => !!x))];
    const objectIds = (JSON.parse(f.objects) as string[]).filter((o) => o !== 'system');
    const objects: Array<Record<string, any>> = objectIds.length ? await this.knex('assessed_objects').whereIn('id', objectIds).select('category', 'importance', 'name') : [];
    const categories = [...new Set(objects.map((o) => o.category as string))];
    const threats = verificationTables()
      .threats.threats.filter((t) => t.layers.some((l) => layers.includes(l)) && (!categories.length || t.categories.some((c) => categories.includes(c))))
      .map((t) => ({ code: t.code, name: t.name, basis: { layers: t.layers.filter((l) => layers.includes(l)), categories: t.categories.filter((c) => categories.includes(c as never)) } }));
    const best = objects.map((o) => IMPACT_BY_IMPORTANCE[o.importance]).filter((x): x is number => x != null).sort((a, b) => b - a)[0];
    const impact = best != null ? { value: best, basis: `importance of ${objects.find((o) => IMPACT_BY_IMPORTANCE[o.importance] === best)!.name}: ${objects.find((o) => IMPACT_BY_IMPORTANCE[o.importance] === best)!.importance}` } : null;
    const vuln = await this.knex('scan_vulnerabilities').where({ finding_id: findingId }).first();
    const pen = await this.knex('pentest_cases').where({ finding_id: findingId }).first();
    const key = pen ? `pentest_${pen.risk}` : vuln ? `scan_${vuln.level}` : null;
    const likelihood = key && LIKELIHOOD_BY_SOURCE[key] ? { value: LIKELIHOOD_BY_SOURCE[key]!, basis: pen ? `penetration test ${pen.number} (${pen.risk})` : `vulnerability scan (${vuln.level})` } : null;
    return {
      threats,
      impact,
      likelihood,
      /** Nothing is suggested where the data gives no basis: the assessor judges it. */
      matrixRisk: impact && likelihood ? (matrixRisk(likelihood.value, impact.value) ?? null) : null,
    };
  }

  async save(findingId: string, input: RiskAnalysisInput): Promise<FindingView> {
    // Who may write comes first (another organisation's finding 404, a reader 403), then what was sent.
    await this.assessments.loadWritable((await this.load(findingId)).assessment_id);
    const known = new Set(verificationTables().threats.threats.map((t) => t.code));
    const problems = input.threats.flatMap((c, i) => (known.has(c) ? [] : [{ path: `threats.${i}`, code: 'unknown_threat', message: `must be a threat of controls/threat-catalogue.yaml (${[...known][0]}…)` }]));
    const derived = matrixRisk(input.likelihood, input.impact);
    if (!derived) problems.push({ path: 'likelihood', code: 'out_of_matrix', message: 'likelihood and impact must be values of the risk matrix (1…5)' });
    if (problems.length) throw new ValidationError({}, problems);
    const risk = input.override?.risk ?? derived!;
    await transaction(this.knex, async (trx) => {
      const row = await this.load(findingId, trx);
      const a = await this.assessments.loadWritable(row.assessment_id, trx);
      if (Number(row.row_version) !== input.rowVersion) throw new ConflictError({ reason: 'stale_row_version' }, [{ path: 'rowVersion', code: 'stale_row_version', message: 'changed by someone else' }]);
      if (row.high_risk_status === 'confirmed' && risk !== 'high') {
        throw new ValidationError({}, [{ path: input.override ? 'override.risk' : 'likelihood', code: 'confirmed_high_risk', message: `the finding matches a confirmed high-risk case, so it stays high risk; the matrix gives ${derived}: override to high with a reason, or dismiss the case first` }]);
      }
      if (row.risk_after_mitigation && RANK[row.risk_after_mitigation as Risk] >= RANK[risk]) {
        throw new ValidationError({}, [{ path: 'likelihood', code: 'below_mitigation', message: `the compensating measure lowers this finding to ${row.risk_after_mitigation}: the risk before it must be higher (now ${risk})` }]);
      }
      const changes: Record<string, unknown> = {
        threat_codes: JSON.stringify([...new Set(input.threats)]),
        likelihood: input.likelihood,
        impact: input.impact,
        risk,
        risk_override_reason: input.override ? input.override.reason : null,
        updated_at: now(),
        row_version: Number(row.row_version) + 1,
      };
      if (input.threat !== undefined) changes.threat = input.threat;
      if (input.harm !== undefined) changes.harm = input.harm;
      if (input.objects) {
        const ids = new Set((await trx('assessed_objects').where({ system_id: a.system_id }).pluck('id')) as string[]);
        const bad = input.objects.flatMap((o, i) => (o === 'system' || ids.has(o) ? [] : [{ path: `objects.${i}`, code: 'unknown_object', message: `object ${o} is not an assessed object of this system` }]));
        if (bad.length) throw new ValidationError({}, bad);
        changes.objects = JSON.stringify(input.objects);
      }
      await trx('findings').where({ id: findingId }).update(changes);
      // Finding numbers never change once given (a changed risk only reorders the report).
    });
    return this.findings.get(findingId);
  }
}
