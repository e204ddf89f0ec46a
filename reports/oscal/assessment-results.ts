import type { AssessmentSnapshot } from '../../server/assessments/oscal-snapshot.js';
import type { Catalogue } from '../../server/catalogue/index.js';
import type { RequirementSet } from '../../server/catalogue/schema.js';
import { controlId, METHOD_TO_OSCAL } from './catalog.js';
import { DENGBAO_ACTOR, findingRisk, findingTargetId, findingUuid, observationUuid, oscalTime } from './assessment-common.js';
import { OSCAL_VERSION, nonEmpty, prop, uuidV5 } from './common.js';

type Json = Record<string, unknown>;

const VALUE_ZH: Record<string, string> = { conform: '符合', partial: '部分符合', nonconform: '不符合', na: '不适用', not_assessed: '未测评' };

/** Each linked evidence file once, as a back-matter resource with its SHA-256 (observations point at it). */
function evidenceResources(snapshot: AssessmentSnapshot): Json[] {
  const seen = new Map<string, Json>();
  for (const list of snapshot.evidence.values()) {
    for (const e of list) {
      const uuid = uuidV5(`evidence:${e.evidenceId}:${e.version}`);
      if (seen.has(uuid)) continue;
      seen.set(uuid, {
        uuid,
        title: e.title,
        props: [prop('evidence-id', e.evidenceId), prop('version', e.version)],
        rlinks: [{ href: `/api/v1/evidence/${e.evidenceId}/versions/${e.version}/download`, 'media-type': e.mediaType, hashes: [{ algorithm: 'SHA-256', value: e.hash }] }],
      });
    }
  }
  return [...seen.values()];
}

/**
 * An assessment as OSCAL assessment-results: one result holding the conclusion (with its rule),
 * one observation per assessed unit × object (value, record, methods, evidence with hashes),
 * one finding and one risk per 问题. Pure: the same snapshot gives the same document.
 */
export function buildAssessmentResults(catalogue: Catalogue, s: AssessmentSnapshot): { 'assessment-results': Json } {
  const a = s.assessment;
  const c = s.summary.conclusion;
  const inScope = (a.requirementSets as RequirementSet[]).flatMap((set) => catalogue.query({ level: a.level, set }).map((i) => controlId(i, catalogue.meta.sets[set]!.digit)));
  const observations = s.results
    .filter((r) => r.value !== 'not_assessed')
    .map((r) => {
      const evidence = s.evidence.get(r.id) ?? [];
      return {
        uuid: observationUuid(r.id),
        title: `${r.code} · ${r.objectName ?? '系统'}`,
        description: `${VALUE_ZH[r.value] ?? r.value}${r.record ? `：${r.record}` : ''}`,
        props: [
          prop('unit-code', r.code),
          prop('result', r.value),
          ...(r.objectId ? [prop('object-id', r.objectId)] : [prop('object', 'system')]),
          ...(r.objectName ? [prop('object-name', r.objectName)] : []),
          ...(r.inherited ? [prop('inherited', 'true')] : []),
        ],
        methods: r.methods.length ? r.methods.map((m) => METHOD_TO_OSCAL[m as keyof typeof METHOD_TO_OSCAL] ?? 'UNKNOWN') : ['UNKNOWN'],
        types: ['control-objective'],
        origins: [{ actors: [{ type: 'assessment-platform', 'actor-uuid': DENGBAO_ACTOR }] }],
        ...nonEmpty('relevant-evidence', evidence.map((e) => ({ href: `#${uuidV5(`evidence:${e.evidenceId}:${e.version}`)}`, description: `${e.title} (${e.fileName}, SHA-256 ${e.hash})` }))),
        collected: oscalTime(r.assessedAt ?? a.updatedAt),
      };
    });
  const observationsOf = (codes: string[]) => s.results.filter((r) => codes.includes(r.code) && ['nonconform', 'partial'].includes(r.value)).map((r) => observationUuid(r.id));
  const findings = s.findings.map((f) => ({
    uuid: findingUuid(f),
    title: `${f.number} ${f.title}`,
    description: f.description ?? f.title,
    props: [prop('risk-level', f.effectiveRisk), ...f.units.map((u) => prop('unit-code', u))],
    target: { type: 'statement-id', 'target-id': findingTargetId(f), status: { state: 'not-satisfied' } },
    ...nonEmpty('related-observations', observationsOf(f.units).map((u) => ({ 'observation-uuid': u }))),
    'related-risks': [{ 'risk-uuid': uuidV5(`risk:${f.id}`) }],
  }));
  const risks = s.findings.map((f) => findingRisk(f, observationsOf(f.units)));
  const resources = evidenceResources(s);
  const final = s.summary.finalConclusion;
  return {
    'assessment-results': {
      uuid: uuidV5(`assessment-results:${a.id}`),
      metadata: {
        title: `${s.system.name} 等级测评结果`,
        'last-modified': oscalTime(a.updatedAt),
        version: `revision ${a.revision}`,
        'oscal-version': OSCAL_VERSION,
        props: [prop('assessment-id', a.id), prop('system-id', a.systemId), prop('level', a.level), ...(a.reportNumber ? [prop('report-number', a.reportNumber)] : []), prop('status', a.status)],
      },
      'import-ap': { href: `/api/v1/assessments/${a.id}`, remarks: 'dengbao keeps no OSCAL assessment plan: the assessment record (scope, objects, dates) stands for it.' },
      results: [
        {
          uuid: uuidV5(`result:${a.id}:${a.revision}`),
          title: `测评结论：${c.label.zh}`,
          description: `${c.rule.zh}\n\n${c.rule.en}`,
          start: oscalTime(a.startDate ?? a.createdAt),
          ...(a.endDate ? { end: oscalTime(a.endDate) } : {}),
          props: [
            prop('conclusion', final),
            prop('computed-conclusion', c.conclusion),
            prop('conclusion-scheme', c.scheme),
            ...(c.value === null ? [] : [prop('conclusion-value', c.value)]),
            prop('provisional', String(c.provisional)),
            ...(s.summary.override ? [prop('conclusion-override-reason', s.summary.override.reason ?? 'override')] : []),
          ],
          'reviewed-controls': { 'control-selections': [inScope.length ? { 'include-controls': [...new Set(inScope)].map((id) => ({ 'control-id': id })) } : { 'include-all': {} }] },
          ...nonEmpty('observations', observations),
          ...nonEmpty('risks', risks),
          ...nonEmpty('findings', findings),
          remarks: c.label.en,
        },
      ],
      ...(resources.length ? { 'back-matter': { resources } } : {}),
    },
  };
}
