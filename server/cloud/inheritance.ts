import type { Knex } from 'knex';
import { appendAudit, type AuditInput } from '../audit/chain.js';
import type { Catalogue } from '../catalogue/index.js';
import { todayInChina } from '../dates.js';
import { updateVersioned, type VersionedUpdate } from '../database/batch-update.js';
import { newId, now } from '../util.js';
import { platformUsable, platformView, responsibilityMatrix } from './platform-rules.js';

export interface InheritanceStatus {
  platformId: string | null;
  state: 'none' | 'applied' | 'not_applied' | 'stale';
  reason: string | null;
  inheritedUnits: number;
  checkedAt: string;
}

const OPEN = ['draft', 'in_progress', 'review'];

/**
 * Fills the provider units of an assessment with the platform's own results (marked inherited),
 * citing the platform's report; shared units get a draft record saying the tenant's part remains.
 * Only when the platform's level is at least the system's and its conclusion is valid on the
 * assessment's date; otherwise earlier inherited results are reset and the status says why.
 * An assessor's own result is never overwritten.
 */
export async function applyInheritance(trx: Knex, catalogue: Catalogue, assessmentId: string, userId: string): Promise<InheritanceStatus> {
  // Each result whose value inheritance changes gets its history entry, like an assessor's change.
  const values = async () => new Map((await trx('assessment_results').where({ assessment_id: assessmentId }).select('id', 'value', 'organization_id', 'code', 'object_key')).map((r: Record<string, string>) => [r.id, r]));
  const before = await values();
  const result = await inherit(trx, catalogue, assessmentId, userId);
  const history: AuditInput[] = [];
  for (const [id, r] of await values()) {
    const old = before.get(id)?.value;
    if (old !== undefined && old !== r.value) history.push({ organizationId: r.organization_id, action: 'result.inherit', targetType: 'assessment_result', targetId: id, changes: { code: r.code, objectKey: r.object_key, value: [old, r.value] } });
  }
  await appendAudit(trx, history);
  return result;
}

async function inherit(trx: Knex, catalogue: Catalogue, assessmentId: string, userId: string): Promise<InheritanceStatus> {
  const a = await trx('assessments').where({ id: assessmentId }).first();
  const system = await trx('systems').where({ id: a.system_id }).first();
  const status = async (s: Omit<InheritanceStatus, 'checkedAt'>) => {
    const full = { ...s, checkedAt: now() };
    await trx('assessments').where({ id: assessmentId }).update({ inheritance: JSON.stringify(full) });
    return full;
  };
  const resetInherited = () =>
    trx('assessment_results').where({ assessment_id: assessmentId, inherited: true }).update({ value: 'not_assessed', record: null, inherited: false, assessed_by: null, assessed_at: null, row_version: trx.raw('row_version + 1') });
  if (!system.platform_id) {
    await resetInherited();
    return status({ platformId: null, state: 'none', reason: 'the system is not deployed on a cloud platform', inheritedUnits: 0 });
  }
  const row = await trx('platforms').where({ id: system.platform_id }).first();
  const p = platformView(row);
  const date = a.start_date ?? todayInChina();
  const why = platformUsable(p, Number(a.level), date);
  if (why) {
    await resetInherited();
    return status({ platformId: p.id, state: 'not_applied', reason: why, inheritedUnits: 0 });
  }
  const matrix = new Map((await responsibilityMatrix(trx, catalogue, p.id, Number(a.level))).map((m) => [m.code, m]));
  const results = await trx('assessment_results').where({ assessment_id: assessmentId });
  const cite = `${p.product}（${p.provider}）第${p.level}级，测评报告编号 ${p.reportNumber}，测评日期 ${p.testDate}，结论 ${p.conclusion}`;
  // Decided in memory, written in a few statements per kind of change (updateVersioned), not one
  // or three per result row: an assessment has thousands of rows.
  const units = new Set<string>();
  const provider: VersionedUpdate[] = [];
  const shared: VersionedUpdate[] = [];
  const reset: VersionedUpdate[] = [];
  for (const r of results) {
    const m = matrix.get(r.code);
    if (!m) continue;
    const own = r.value !== 'not_assessed' && !(r.inherited === true || r.inherited === 1);
    if (m.responsibility === 'provider' && !own) {
      provider.push({ id: r.id, rowVersion: Number(r.row_version), values: { value: m.platformResult ?? 'conform' } });
      units.add(r.code);
    } else if (m.responsibility === 'shared' && r.value === 'not_assessed' && !r.record) {
      shared.push({ id: r.id, rowVersion: Number(r.row_version), values: {} });
    } else if (m.responsibility !== 'provider' && (r.inherited === true || r.inherited === 1)) {
      // The matrix changed: a unit no longer the provider's loses its inherited result.
      reset.push({ id: r.id, rowVersion: Number(r.row_version), values: {} });
    }
  }
  const at = now();
  await updateVersioned(trx, 'assessment_results', ['value'], provider, {
    record: `继承云平台等级测评结论：${cite}。该测评项由云服务商负责。`,
    methods: JSON.stringify(['inspection']),
    assessed_by: userId,
    assessed_at: at,
  }, { inherited: 'true' });
  await updateVersioned(trx, 'assessment_results', [], shared, { record: `云服务商部分由云平台测评覆盖（${cite}）；云服务客户部分仍需测评。` });
  await updateVersioned(trx, 'assessment_results', [], reset, { value: 'not_assessed' }, { record: 'null', inherited: 'false', assessed_by: 'null', assessed_at: 'null' });
  if (p.reportEvidenceId && provider.length) {
    const ev = await trx('evidence').where({ id: p.reportEvidenceId, organization_id: a.organization_id }).first();
    if (ev) {
      const ids = provider.map((u) => u.id);
      const linked = new Set<string>();
      for (let i = 0; i < ids.length; i += 500) {
        for (const l of await trx('evidence_links').where({ evidence_id: ev.id, target_type: 'assessment_result' }).whereIn('target_id', ids.slice(i, i + 500)).select('target_id')) linked.add(l.target_id);
      }
      const links = ids.filter((id) => !linked.has(id)).map((id) => ({ id: newId(), organization_id: a.organization_id, evidence_id: ev.id, target_type: 'assessment_result', target_id: id, created_by: userId, created_at: at }));
      for (let i = 0; i < links.length; i += 400) await trx('evidence_links').insert(links.slice(i, i + 400));
    }
  }
  return status({ platformId: p.id, state: 'applied', reason: null, inheritedUnits: units.size });
}

/** After a platform changes, flags the open assessments whose inherited results it may affect. */
export async function flagPlatformChange(trx: Knex, platformId: string): Promise<number> {
  const rows = await trx('assessments').join('systems', 'systems.id', 'assessments.system_id').where('systems.platform_id', platformId).whereIn('assessments.status', OPEN).select('assessments.id', 'assessments.inheritance');
  for (const r of rows) {
    const prev = r.inheritance ? JSON.parse(r.inheritance) : { platformId, inheritedUnits: 0 };
    await trx('assessments')
      .where({ id: r.id })
      .update({ inheritance: JSON.stringify({ ...prev, state: 'stale', reason: 'the platform record changed: re-apply inheritance (POST /assessments/:id/inherit)', checkedAt: now() }) });
  }
  return rows.length;
}
