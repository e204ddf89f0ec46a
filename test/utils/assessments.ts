import type { Agent } from './app.js';
import { allPages } from './pages.js';

const RATIONALE = '业务信息遭到破坏后会对社会秩序和公共利益造成严重损害。';
let n = 0;

/**
 * A level-3 on-premises system of `organizationId`, graded, with two servers, a business
 * application and a data set, and a gap analysis of it (status draft): the smallest assessment
 * with per-object and whole-system results.
 */
export async function level3Assessment(officer: Agent, consultant: Agent, organizationId: string) {
  const sys = (await officer.post('/api/v1/systems').send({ organizationId, name: `Hazard test ${process.pid}-${++n}`, deployment: 'on_premises' }).expect(201)).body;
  await officer
    .post(`/api/v1/systems/${sys.id}/gradings`)
    .send({ businessHarms: [{ object: 'social', degree: 'serious' }], serviceHarms: [{ object: 'citizens', degree: 'general' }], rationale: RATIONALE, gradedOn: '2026-01-05' })
    .expect(201);
  const objects = (
    await consultant
      .post(`/api/v1/systems/${sys.id}/objects`)
      .send({
        objects: [
          { category: 'server_storage', name: 'APP-SRV-01', ip: '10.0.1.11', importance: 'key' },
          { category: 'server_storage', name: 'DB-SRV-01', ip: '10.0.1.21', importance: 'key' },
          { category: 'business_application', name: '城市运行平台', importance: 'key' },
          { category: 'data_resource', name: '重要业务数据', importance: 'important' },
        ],
      })
      .expect(201)
  ).body.data as Array<{ id: string; name: string }>;
  const assessment = (await consultant.post('/api/v1/assessments').send({ systemId: sys.id, kind: 'gap_analysis' }).expect(201)).body as { id: string };
  return { system: sys as { id: string }, objects, assessment };
}

/** Records every result: `nonconform` units do not conform, every other unit conforms. Returns the number of units. */
export async function recordResults(consultant: Agent, assessmentId: string, nonconform: (code: string, index: number) => boolean): Promise<number> {
  const rows = (await allPages(consultant, `/api/v1/assessments/${assessmentId}/results`)) as Array<{ code: string; objectId: string | null; rowVersion: number }>;
  const codes = [...new Set(rows.map((r) => r.code))];
  const bad = new Set(codes.filter((c, i) => nonconform(c, i)));
  await consultant
    .post(`/api/v1/assessments/${assessmentId}/results/bulk`)
    .send({ results: rows.map((r) => ({ code: r.code, objectId: r.objectId, rowVersion: r.rowVersion, value: bad.has(r.code) ? 'nonconform' : 'conform' })) })
    .expect(200);
  return codes.length;
}
