import type { Knex } from 'knex';
import type { CatalogueItem } from '../../server/catalogue/index.js';
import { requirementSetsOf } from '../../server/catalogue/sets.js';
import { expectedRows, unitsInScope } from '../../server/assessments/scope.js';
import type { Prng } from './prng.js';
import { day, stamp, type SystemRows } from './systems.js';

export interface AssessmentRows {
  assessment: Record<string, unknown>;
  results: Array<Record<string, unknown>>;
  findings: Array<Record<string, unknown>>;
  remediations: Array<Record<string, unknown>>;
}

const VALUES = [['conform', 62], ['partial', 18], ['nonconform', 9], ['na', 6], ['not_assessed', 5]] as const;
const STATUSES = [['in_progress', 30], ['review', 10], ['completed', 35], ['locked', 25]] as const;
const RISKS = [['high', 1], ['medium', 4], ['low', 5]] as const;
const REMEDIATION = [['open', 4], ['in_progress', 3], ['fixed', 1], ['verified', 2]] as const;

/** Units in scope per (level, sets), read once per seed: the catalogue version does not change. */
export function scopeCache(knex: Knex, catalogueVersionId: string) {
  const cache = new Map<string, Promise<CatalogueItem[]>>();
  return (level: number, sets: string[]) => {
    const key = `${level}|${sets.join(',')}`;
    if (!cache.has(key)) cache.set(key, unitsInScope(knex, catalogueVersionId, level, sets));
    return cache.get(key)!;
  };
}

/** One assessment of a system with every expected result row answered (mostly), a few findings and their remediations. */
export async function generateAssessment(
  rng: Prng,
  n: number,
  s: SystemRows,
  catalogueVersionId: string,
  units: (level: number, sets: string[]) => Promise<CatalogueItem[]>,
  consultantId: string,
): Promise<AssessmentRows> {
  const id = rng.uuid();
  const orgId = s.system.organization_id as string;
  const sets = requirementSetsOf(s.system);
  const status = rng.weighted(STATUSES);
  const start = day(-rng.int(20, 300));
  const created = stamp(100_000 + n);
  const rows = expectedRows(await units(s.level, sets), s.objects);
  const results = rows.map((r) => {
    const value = status === 'in_progress' ? rng.weighted(VALUES) : rng.weighted(VALUES.filter(([v]) => v !== 'not_assessed'));
    const assessed = value !== 'not_assessed';
    return {
      id: rng.uuid(),
      assessment_id: id,
      organization_id: orgId,
      code: r.code,
      object_key: r.objectKey,
      value,
      record: assessed ? `现场核查记录 ${r.code}（${value}）` : null,
      methods: assessed ? JSON.stringify(rng.next() < 0.5 ? ['interview', 'check'] : ['check']) : null,
      inherited: false,
      assessed_by: assessed ? consultantId : null,
      assessed_at: assessed ? created : null,
      row_version: 1,
      outside_mapping: false,
    };
  });
  const gaps = results.filter((r) => r.value === 'nonconform' || r.value === 'partial');
  const findings: Array<Record<string, unknown>> = [];
  const remediations: Array<Record<string, unknown>> = [];
  const count = Math.min(gaps.length, rng.int(3, 8));
  for (let k = 0; k < count; k++) {
    const gap = gaps[Math.floor((k * gaps.length) / count)]!;
    const fid = rng.uuid();
    findings.push({
      id: fid,
      assessment_id: id,
      organization_id: orgId,
      seq: k + 1,
      number: `T${String(k + 1).padStart(3, '0')}`,
      title: `${gap.code} 未完全落实（生成数据）`,
      description: `测评发现 ${gap.code} 的要求未完全落实。`,
      units: JSON.stringify([gap.code]),
      objects: JSON.stringify([gap.object_key]),
      threat: null,
      harm: null,
      risk: rng.weighted(RISKS),
      high_risk_status: 'none',
      previous: false,
      row_version: 1,
      created_by: consultantId,
      created_at: created,
      updated_at: created,
    });
    remediations.push({
      finding_id: fid,
      organization_id: orgId,
      owner: rng.pick(['信息中心', '运维部', '安全管理员']),
      due_date: day(rng.int(-60, 150)),
      status: rng.weighted(REMEDIATION),
      updated_at: created,
    });
  }
  const assessment = {
    id,
    organization_id: orgId,
    system_id: s.system.id,
    kind: rng.weighted([['formal_test', 7], ['self_assessment', 2], ['gap_analysis', 1]] as const),
    level: s.level,
    catalogue_version_id: catalogueVersionId,
    requirement_sets: JSON.stringify(sets),
    scheme: 'mlps-2025',
    assessing_organization: '示例信息安全等级测评有限公司',
    assessing_organization_code: '0456',
    report_number: null,
    start_date: start,
    end_date: status === 'in_progress' ? null : day(-rng.int(0, 19)),
    status,
    revision: 1,
    created_by: consultantId,
    created_at: created,
    updated_at: created,
    finding_counter: findings.length,
  };
  return { assessment, results, findings, remediations };
}
