import type { FindingView } from '../../server/assessments/findings.js';
import type { Catalogue } from '../../server/catalogue/index.js';
import type { RequirementSet } from '../../server/catalogue/schema.js';
import { controlId, itemPartId } from './catalog.js';
import { NS, prop, uuidV5 } from './common.js';

type Json = Record<string, unknown>;

/** The actor of every dengbao observation, finding and risk: the platform itself. */
export const DENGBAO_ACTOR = uuidV5('assessment-platform:dengbao');

/** Stable UUIDs of what is derived from a finding (the same finding always gives the same ones). */
export const riskUuid = (f: { id: string }) => uuidV5(`risk:${f.id}`);
export const findingUuid = (f: { id: string }) => uuidV5(`finding:${f.id}`);
export const observationUuid = (resultId: string) => uuidV5(`observation:${resultId}`);

/** A stored time (ISO, or a YYYY-MM-DD date in China) as an OSCAL date-time, which needs a time zone. */
export function oscalTime(value: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return `${value}T00:00:00+08:00`;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : `${d.toISOString().slice(0, 19)}Z`;
}

/** The OSCAL control id of a unit code (L3-CES1-02 → l3-ces1-cp-01), or undefined for the assessor's own X-… items. */
export function unitControlId(catalogue: Catalogue, code: string): string | undefined {
  const item = catalogue.byCode.get(code);
  return item ? controlId(item, catalogue.meta.sets[item.set as RequirementSet]!.digit) : undefined;
}

/** 整改状态 → OSCAL risk status. */
const RISK_STATUS: Record<string, string> = { open: 'open', in_progress: 'remediating', fixed: 'remediating', verified: 'closed', risk_accepted: 'deviation-approved' };

/** One OSCAL risk per finding: its level (before and after mitigation), threat, harm, status and remediation deadline. */
export function findingRisk(f: FindingView, relatedObservations: string[]): Json {
  return {
    uuid: riskUuid(f),
    title: `${f.number} ${f.title}`,
    description: f.description ?? f.title,
    statement: [f.threat, f.harm].filter(Boolean).join('\n') || f.title,
    props: [
      prop('risk-level', f.risk),
      prop('effective-risk-level', f.effectiveRisk),
      ...f.units.map((u) => prop('unit-code', u)),
      ...(f.majorRisk ? [prop('major-risk', 'true')] : []),
      ...(f.remediation ? [prop('remediation-status', f.remediation.status)] : []),
    ],
    status: RISK_STATUS[f.remediation?.status ?? 'open'] ?? 'open',
    characterizations: [{ origin: { actors: [{ type: 'assessment-platform', 'actor-uuid': DENGBAO_ACTOR }] }, facets: [{ name: 'risk', system: NS, value: f.effectiveRisk }] }],
    ...(f.mitigation ? { 'mitigating-factors': [{ uuid: uuidV5(`mitigation:${f.id}`), description: f.mitigation.measure }] } : {}),
    ...(f.remediation?.dueDate ? { deadline: oscalTime(f.remediation.dueDate) } : {}),
    ...(relatedObservations.length ? { 'related-observations': relatedObservations.map((u) => ({ 'observation-uuid': u })) } : {}),
  };
}

/** The target of a finding: the first unit's statement part in the catalog (`l3-ces1-02`). */
export const findingTargetId = (f: FindingView) => itemPartId(f.units[0] ?? 'unknown');
