import type { Knex } from 'knex';
import { newId, now } from '../util.js';

/**
 * A new revision copies the verification tests and compensations with the same numbers (S01, P01,
 * C01 are cited in the report), the links to the copied findings, and the screenshot links.
 */
export async function copyVerification(trx: Knex, fromAssessment: string, toAssessment: string, findingIds: ReadonlyMap<string, string>): Promise<void> {
  const mapFinding = (id: string | null) => (id ? (findingIds.get(id) ?? null) : null);
  for (const s of await trx('scans').where({ assessment_id: fromAssessment })) {
    const sid = newId();
    await trx('scans').insert({ ...s, id: sid, assessment_id: toAssessment });
    const vulns = (await trx('scan_vulnerabilities').where({ scan_id: s.id })).map((v: Record<string, any>) => ({ ...v, id: newId(), scan_id: sid, assessment_id: toAssessment, finding_id: mapFinding(v.finding_id) }));
    for (let i = 0; i < vulns.length; i += 50) await trx('scan_vulnerabilities').insert(vulns.slice(i, i + 50));
  }
  for (const p of await trx('pentest_cases').where({ assessment_id: fromAssessment })) {
    const pid = newId();
    await trx('pentest_cases').insert({ ...p, id: pid, assessment_id: toAssessment, finding_id: mapFinding(p.finding_id), row_version: 1 });
    for (const l of await trx('evidence_links').where({ target_type: 'pentest_case', target_id: p.id })) {
      await trx('evidence_links').insert({ ...l, id: newId(), target_id: pid, created_at: now() });
    }
  }
  for (const c of await trx('compensations').where({ assessment_id: fromAssessment })) {
    const cid = newId();
    await trx('compensations').insert({ ...c, id: cid, assessment_id: toAssessment, row_version: 1 });
    await trx('findings').where({ assessment_id: toAssessment, compensation_id: c.id }).update({ compensation_id: cid });
  }
}
