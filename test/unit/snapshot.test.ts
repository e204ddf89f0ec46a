import { expect } from 'chai';
import type { FindingView } from '../../server/assessments/findings.js';
import type { HazardView } from '../../server/assessments/hazards.js';
import { resultViewsOf, type AssessmentSnapshot } from '../../server/assessments/snapshot.js';
import { summaryOf } from '../../server/assessments/summary.js';
import { shippedCatalogue } from '../../server/catalogue/index.js';

/**
 * The summary and the result list are pure functions of an assessment's snapshot: a hand-built
 * snapshot (no database) gives the rates, counts, findings, hazards and conclusion a user reads.
 */
const catalogue = shippedCatalogue();
const units = catalogue.query({ level: 3, set: 'general' });
const server = { id: 'obj-server', name: 'B 应用服务器', category: 'server_storage' };
const room = { id: 'obj-room', name: 'A 机房', category: 'machine_room' };

type Snap = Parameters<typeof summaryOf>[0];

function snapshot(over: Partial<Snap> = {}, value: (code: string) => string = () => 'conform'): Snap {
  return {
    row: { id: 'a-1', organization_id: 'o-1', system_id: 's-1', status: 'in_progress', level: 3, scheme: 'mlps-2025', requirement_sets: '["general"]', inheritance: null, conclusion_override: null, start_date: '2026-11-01' },
    units,
    objects: [room, server],
    results: units.map((u) => ({ code: u.code, object_key: 'system', value: value(u.code), inherited: 0 })),
    extraItems: [],
    findings: [],
    hazards: [],
    inheritancePlatform: undefined,
    ...over,
  };
}

const finding = (number: string, risk: 'high' | 'medium' | 'low', previous = false) => ({ id: `f-${number}`, number, risk, effectiveRisk: risk, previous }) as unknown as FindingView;
const hazard = (number: string, status: 'suspected' | 'confirmed' | 'remediated') =>
  ({ id: `h-${number}`, number, status, trigger: { code: 'A-01', title: { zh: '触发条件', en: 'Trigger' } }, findings: [{ number: 'T001' }] }) as unknown as HazardView;

describe('summary from a snapshot (no database)', () => {
  it('gives 符合 at 100% with no hazard, counting every unit in scope', () => {
    const s = summaryOf(snapshot(), undefined, '2026-11-30');
    expect(s.overall.rate).to.equal(1);
    expect(s.units.total).to.equal(units.length);
    expect(s.units.counts.conform).to.equal(units.length);
    expect(s.conclusion.conclusion).to.equal('conform');
    expect(s.conclusion.label.zh).to.equal('符合');
    expect(s.finalConclusion).to.equal('conform');
    expect(s.hazards.display.zh).to.equal('0');
  });

  it('counts findings by risk, confirmed hazards for the conclusion and remediated ones in the display', () => {
    const s = summaryOf(
      snapshot({ findings: [finding('T001', 'high'), finding('T002', 'medium', true), finding('T003', 'high')], hazards: [hazard('Z01', 'confirmed'), hazard('Z02', 'remediated'), hazard('Z03', 'suspected')] }),
      undefined,
      '2026-11-30',
    );
    expect(s.findings).to.deep.equal({ total: 3, byRisk: { high: 2, medium: 1, low: 0 }, previous: 1 });
    expect(s.hazards.counted).to.equal(1);
    expect(s.hazards.display.zh).to.equal('2（1个已整改）');
    expect(s.hazards.list.map((h) => h.number)).to.deep.equal(['Z01', 'Z02', 'Z03']);
    // Above 90% with a confirmed hazard: 基本符合 under the 2025 rule.
    expect(s.conclusion.conclusion).to.equal('basic');
  });

  it('gives 不符合 below 60%, and an override decides the final conclusion', () => {
    let i = 0;
    const low = snapshot({}, () => (i++ % 2 ? 'conform' : 'nonconform'));
    expect(summaryOf(low, undefined, '2026-11-30').conclusion.conclusion).to.equal('nonconform');
    const overridden = summaryOf({ ...low, row: { ...low.row, conclusion_override: JSON.stringify({ conclusion: 'basic', reason: 'r', by: 'u' }) } }, undefined, '2026-11-30');
    expect(overridden.finalConclusion).to.equal('basic');
  });

  it('counts the assessor’s additional items like units of their own layer', () => {
    const s = summaryOf(snapshot({ extraItems: [{ id: 'x', code: 'X-01', title: 't', value: 'nonconform' }] }), undefined, '2026-11-30');
    expect(s.units.total).to.equal(units.length + 1);
    expect(s.units.counts.nonconform).to.equal(1);
    expect(s.additionalItems).to.deep.equal({ total: 1, codes: ['X-01'] });
    expect(s.byLayer.map((l) => l.layer)).to.include('ADD');
  });

  it('marks an applied inheritance stale when its platform record is gone', () => {
    const row = { ...snapshot().row, inheritance: JSON.stringify({ platformId: 'p-1', state: 'applied', inheritedUnits: 3 }) };
    expect(summaryOf(snapshot({ row, inheritancePlatform: null }), undefined, '2026-11-30').inheritance).to.include({ state: 'stale', reason: 'the platform record is gone' });
    expect(summaryOf(snapshot({ row: { ...row, inheritance: null } }), undefined, '2026-11-30').inheritance).to.equal(null);
  });

  it('refuses an unknown scheme naming query.scheme', () => {
    expect(() => summaryOf(snapshot(), 'no-such-scheme')).to.throw().with.property('details').that.satisfies((d: Array<{ path: string }>) => d.some((x) => x.path === 'query.scheme'));
  });
});

describe('result list from a snapshot (no database)', () => {
  const pes = units.filter((u) => u.layer === 'PES').slice(0, 2);
  const rows = [
    { id: 'r3', code: pes[1]!.code, object_key: server.id, value: 'conform', record: null, methods: null, inherited: 0, row_version: 1, outside_mapping: 0 },
    { id: 'r2', code: pes[0]!.code, object_key: server.id, value: 'partial', record: 'b', methods: null, inherited: 0, row_version: 1, outside_mapping: 0 },
    { id: 'r1', code: pes[0]!.code, object_key: room.id, value: 'nonconform', record: 'a', methods: null, inherited: 1, row_version: 2, outside_mapping: 0 },
    { id: 'rx', code: 'L9-NOT-IN-SCOPE', object_key: 'system', value: 'conform', record: null, methods: null, inherited: 0, row_version: 1, outside_mapping: 0 },
  ];
  const s = { units, objects: [room, server], results: rows, resultSlice: 'all' } as Pick<AssessmentSnapshot, 'units' | 'objects' | 'results' | 'resultSlice'>;

  it('lists rows of units in scope in standard order (unit, then object name) with the unit’s layer and text', () => {
    const list = resultViewsOf(s);
    expect(list.map((r) => r.id)).to.deep.equal(['r1', 'r2', 'r3']);
    expect(list[0]).to.include({ objectName: 'A 机房', layer: 'PES', controlPoint: pes[0]!.controlPoint.zh, value: 'nonconform' });
  });

  it('refuses a snapshot without every result column', () => {
    expect(() => resultViewsOf({ ...s, resultSlice: 'summary' })).to.throw(/every result column/);
  });
});
