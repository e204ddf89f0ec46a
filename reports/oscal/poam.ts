import type { AssessmentSnapshot } from '../../server/assessments/oscal-snapshot.js';
import { findingRisk, oscalTime, riskUuid } from './assessment-common.js';
import { NS, OSCAL_VERSION, prop, uuidV5 } from './common.js';

type Json = Record<string, unknown>;

/**
 * The remediation plan (整改计划) as an OSCAL plan-of-action-and-milestones: one item per finding
 * with its owner, due date and status, and the finding's risk. Pure. OSCAL needs at least one
 * item: an assessment without findings gives one item saying so.
 */
export function buildPoam(s: AssessmentSnapshot): { 'plan-of-action-and-milestones': Json } {
  const a = s.assessment;
  const items = s.findings.map((f) => ({
    uuid: uuidV5(`poam-item:${f.id}`),
    title: `${f.number} ${f.title}`,
    description: f.recommendation ?? f.description ?? f.title,
    props: [
      prop('risk-level', f.effectiveRisk),
      ...f.units.map((u) => prop('unit-code', u)),
      prop('remediation-status', f.remediation?.status ?? 'open'),
      ...(f.remediation?.owner ? [prop('owner', f.remediation.owner)] : []),
      ...(f.remediation?.dueDate ? [prop('due-date', f.remediation.dueDate)] : []),
    ],
    'related-risks': [{ 'risk-uuid': riskUuid(f) }],
  }));
  return {
    'plan-of-action-and-milestones': {
      uuid: uuidV5(`poam:${a.id}`),
      metadata: {
        title: `${s.system.name} 整改计划`,
        'last-modified': oscalTime(a.updatedAt),
        version: `revision ${a.revision}`,
        'oscal-version': OSCAL_VERSION,
        props: [prop('assessment-id', a.id), prop('level', a.level), ...(a.reportNumber ? [prop('report-number', a.reportNumber)] : [])],
      },
      'system-id': { 'identifier-type': NS, id: a.systemId },
      ...(s.findings.length ? { risks: s.findings.map((f) => findingRisk(f, [])) } : {}),
      'poam-items': items.length ? items : [{ uuid: uuidV5(`poam-item:none:${a.id}`), title: '无待整改问题', description: 'The assessment has no findings to remediate.' }],
    },
  };
}
