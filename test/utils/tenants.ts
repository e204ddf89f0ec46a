import type { TestDatabase } from './database.js';

/** The kinds of id a route parameter can hold. */
export type IdKind =
  | 'organization' | 'membership' | 'user' | 'token' | 'system' | 'grading' | 'inspection' | 'object' | 'assessment'
  | 'result' | 'code' | 'finding' | 'evidence' | 'version' | 'evidence_request' | 'platform' | 'report'
  | 'session' | 'hazard' | 'report_template' | 'template_version' | 'document' | 'decision' | 'protection_plan' | 'extra_item'
  | 'scan' | 'scan_vulnerability' | 'pentest' | 'compensation';

/** What `:id` means after each path segment; other parameters by their name. */
const AFTER_SEGMENT: Record<string, IdKind> = {
  organizations: 'organization', users: 'user', tokens: 'token', systems: 'system', objects: 'object', assessments: 'assessment',
  findings: 'finding', evidence: 'evidence', 'evidence-requests': 'evidence_request', platforms: 'platform', reports: 'report',
  items: 'code', catalogue: 'code', sessions: 'session', hazards: 'hazard', 'report-templates': 'report_template', documents: 'document',
  scans: 'scan', 'scan-vulnerabilities': 'scan_vulnerability', pentests: 'pentest', compensations: 'compensation',
};
const BY_NAME: Record<string, IdKind> = { membershipId: 'membership', gid: 'grading', iid: 'inspection', rid: 'result', code: 'code', n: 'version', version: 'template_version', decision: 'decision', pid: 'protection_plan', jobId: 'report' };

/** The kind of every parameter of an express path pattern; throws naming a parameter the sweep does not know. */
export function paramKinds(pattern: string): Array<{ name: string; kind: IdKind }> {
  const segments = pattern.split('/');
  return segments.flatMap((seg, i) => {
    if (!seg.startsWith(':')) return [];
    const name = seg.slice(1);
    // An assessor's own item is named by its X-… code, not a catalogue code.
    const kind = name === 'id' ? AFTER_SEGMENT[segments[i - 1]!] : name === 'code' && (segments[i - 1] === 'extra-items' || (segments[i - 1] === 'extra' && segments[i - 2] === 'items')) ? 'extra_item' : BY_NAME[name];
    if (!kind) throw new Error(`the sweep does not know what :${name} in ${pattern} holds: add it to test/utils/tenants.ts`);
    return [{ name, kind }];
  });
}

/** Fills a path pattern's parameters from `ids` (a parameter with no id of its kind gets `fallback`). */
export function fillPath(pattern: string, ids: Partial<Record<IdKind, string>>, fallback: string): string {
  const kinds = new Map(paramKinds(pattern).map((p) => [p.name, p.kind]));
  return pattern.replace(/:(\w+)/g, (_, name: string) => encodeURIComponent(ids[kinds.get(name)!] ?? fallback));
}

/** One real id of each kind in an organisation (the newest row), read from the database. */
export async function tenantIds(db: TestDatabase, organizationId: string): Promise<Partial<Record<IdKind, string>>> {
  const k = db.knex;
  const first = async (table: string, where: Record<string, unknown> = { organization_id: organizationId }, column = 'id') =>
    ((await k(table).where(where).orderBy(column).first(column)) as Record<string, string> | undefined)?.[column];
  const assessment = await first('assessments');
  const result = assessment ? await k('assessment_results').where({ assessment_id: assessment }).first('id', 'code') : undefined;
  const member = await k('memberships').where({ organization_id: organizationId }).orderBy('id').first('id', 'user_id');
  return {
    organization: organizationId,
    membership: member?.id,
    user: member?.user_id,
    token: ((await k('api_tokens').whereIn('user_id', k('memberships').where({ organization_id: organizationId }).select('user_id')).orderBy('id').first('id')) as { id: string } | undefined)?.id,
    system: await first('systems'),
    grading: await first('gradings'),
    inspection: await first('inspections'),
    object: await first('assessed_objects'),
    assessment,
    result: result?.id,
    code: result?.code,
    finding: await first('findings'),
    evidence: await first('evidence'),
    version: '1',
    evidence_request: await first('evidence_requests'),
    platform: await first('platforms'),
    report: await first('reports'),
    session: ((await k('sessions').whereIn('user_id', k('memberships').where({ organization_id: organizationId }).select('user_id')).orderBy('id').first('id')) as { id: string } | undefined)?.id,
    hazard: await first('hazards'),
    report_template: await first('report_templates'),
    template_version: '1',
    document: await first('system_documents'),
    decision: 'accept',
    protection_plan: await first('protection_plans'),
    scan: await first('scans'),
    scan_vulnerability: await first('scan_vulnerabilities'),
    pentest: await first('pentest_cases'),
    compensation: await first('compensations'),
    extra_item: ((await k('assessment_extra_items').where({ organization_id: organizationId }).orderBy('code').first('code')) as { code: string } | undefined)?.code ?? 'X-SWEEP-01',
  };
}
