import type { Knex } from 'knex';
import { ScopedService, type ServiceContext } from '../context.js';
import { transaction } from '../database/transaction.js';
import { ConflictError, ValidationError } from '../errors.js';
import { FindingsService, type FindingView, type Risk } from '../assessments/findings.js';
import { unitsInScope } from '../assessments/scope.js';
import { AssessmentsService, type AssessmentRow } from '../assessments/service.js';
import { PentestsService } from './pentests.js';
import { ScansService } from './scans.js';

type Row = Record<string, any>;
export interface RaiseInput {
  /** Link to this existing finding of the same assessment instead of raising a new one. */
  findingId?: string;
  units?: string[];
  title?: string;
  risk?: Risk;
  recommendation?: string | null;
}

/**
 * The unit a scan or pen-test result concerns by default: 安全计算环境 / 入侵防范, "应能发现可能存在的已知漏洞，
 * 并…及时修补漏洞" at the assessment's level (its high-risk case is then suggested by FindingsService).
 * The assessor names other units when the result concerns them.
 */
export async function defaultVulnerabilityUnits(trx: Knex, a: AssessmentRow): Promise<string[]> {
  const units = await unitsInScope(trx, a.catalogue_version_id, Number(a.level), JSON.parse(a.requirement_sets));
  const unit = units.find((u) => u.layer === 'CES' && u.controlPoint.zh === '入侵防范' && u.text.zh.includes('已知漏洞'));
  return unit ? [unit.code] : [];
}

/**
 * Raises a dengbao finding (T-number) from a scanned vulnerability or a pen-test case: the finding
 * concerns the matched object and the named (or default) units, and the source records the finding
 * (the finding lists its sources in return, so the link reads both ways). One finding per source.
 */
export class RaiseFindingService extends ScopedService {
  constructor(ctx: ServiceContext) {
    super(ctx);
  }

  private async raise(trx: Knex, a: AssessmentRow, source: Row, defaults: { title: string; risk: Risk; objectId: string | null; description: string; recommendation: string | null }, input: RaiseInput): Promise<string> {
    if (source.finding_id) throw new ConflictError({ reason: 'a finding was already raised from this item' });
    if (input.findingId) {
      const existing = await trx('findings').where({ id: input.findingId, assessment_id: a.id }).first();
      if (!existing) throw new ValidationError({}, [{ path: 'findingId', code: 'unknown_finding', message: `finding ${input.findingId} is not a finding of this assessment` }]);
      return existing.id as string;
    }
    const units = input.units?.length ? input.units : await defaultVulnerabilityUnits(trx, a);
    if (!units.length) throw new ValidationError({}, [{ path: 'units', code: 'required', message: 'name the units this finding concerns' }]);
    const f = await new FindingsService({ knex: trx, caller: this.caller }).create(a.id, {
      title: input.title ?? defaults.title,
      description: defaults.description,
      units,
      objects: [defaults.objectId ?? 'system'],
      risk: input.risk ?? defaults.risk,
      recommendation: input.recommendation !== undefined ? input.recommendation : defaults.recommendation,
    });
    return f.id;
  }

  async fromVulnerability(vulnerabilityId: string, input: RaiseInput): Promise<FindingView> {
    const id = await transaction(this.knex, async (trx) => {
      const ctx = { knex: trx, caller: this.caller };
      const v = await new ScansService(ctx).loadVulnerability(vulnerabilityId, trx);
      const a = await new AssessmentsService(ctx).loadWritable(v.assessment_id, trx);
      const where = [v.hostname ?? v.host, v.port ? `${v.port}/${v.protocol ?? 'tcp'}` : null].filter(Boolean).join(':');
      const cves = JSON.parse(v.cves) as string[];
      const findingId = await this.raise(trx, a, v, {
        title: `${v.title}${where ? `（${where}）` : ''}`.slice(0, 300),
        risk: v.risk,
        objectId: v.object_id,
        description: [`漏洞扫描发现：${v.title}`, v.plugin_id ? `插件/漏洞编号 ${v.plugin_id}` : null, cves.length ? `CVE：${cves.join('、')}` : null, where ? `位置：${where}` : null].filter(Boolean).join('；'),
        recommendation: v.solution ?? null,
      }, input);
      await trx('scan_vulnerabilities').where({ id: vulnerabilityId }).update({ finding_id: findingId });
      return findingId;
    });
    return new FindingsService({ knex: this.knex, caller: this.caller }).get(id);
  }

  async fromPentest(caseId: string, input: RaiseInput): Promise<FindingView> {
    const id = await transaction(this.knex, async (trx) => {
      const ctx = { knex: trx, caller: this.caller };
      const p = await new PentestsService(ctx).loadCase(caseId, trx);
      const a = await new AssessmentsService(ctx).loadWritable(p.assessment_id, trx);
      if (p.risk === 'none' && !input.risk) throw new ValidationError({}, [{ path: 'risk', code: 'required', message: 'this test case found nothing (risk none): give the finding a risk level' }]);
      const findingId = await this.raise(trx, a, p, {
        title: `渗透测试 ${p.number}：${p.method}（${p.target}）`.slice(0, 300),
        risk: p.risk === 'none' ? 'low' : p.risk,
        objectId: p.object_id,
        description: [`渗透测试 ${p.number}`, p.entry_point ? `入口：${p.entry_point}` : null, `结果：${p.result}`].filter(Boolean).join('；'),
        recommendation: null,
      }, input);
      await trx('pentest_cases').where({ id: caseId }).update({ finding_id: findingId });
      return findingId;
    });
    return new FindingsService({ knex: this.knex, caller: this.caller }).get(id);
  }
}

