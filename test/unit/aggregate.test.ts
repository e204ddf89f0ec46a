import { expect } from 'chai';
import { aggregate, unitValue, type ResultRow, type UnitInfo } from '../../server/assessments/aggregate.js';
import { conclude } from '../../server/assessments/conclusion.js';
import { conclusionSchemes } from '../../server/assessments/schemes.js';

const unit = (code: string, layer = 'CES', cp = 1, weight: UnitInfo['weight'] = 'general', domains = ['device', 'application']): UnitInfo => ({
  code,
  set: 'general',
  setOrder: 0,
  layer,
  layerOrder: ['PES', 'CNS', 'ABS', 'CES', 'SMC', 'PSS'].indexOf(layer),
  controlPoint: { zh: `cp${cp}`, en: `cp${cp}`, order: cp },
  domains,
  weight,
});

/** n units in one layer with the given unit values (one system row each). */
function build(values: Array<'conform' | 'partial' | 'nonconform' | 'na'>, weight: UnitInfo['weight'] = 'general') {
  const units = values.map((_, i) => unit(`L3-PSS1-${String(i + 1).padStart(2, '0')}`, 'PSS', 1, weight, ['management']));
  const results: ResultRow[] = values.map((v, i) => ({ code: units[i]!.code, objectKey: 'system', value: v }));
  return { units, results };
}
const rate2025 = conclusionSchemes().get('mlps-2025')!;
const score2021 = conclusionSchemes().get('mlps-2021')!;
const run = (values: Parameters<typeof build>[0], majorRisks = 0, highRiskFindings = 0, weight: UnitInfo['weight'] = 'general') => {
  const { units, results } = build(values, weight);
  return {
    r2025: conclude(rate2025, { aggregation: aggregate(units, results, () => null, rate2025.parameters.partialCredit), units, majorRisks, highRiskFindings }),
    r2021: conclude(score2021, { aggregation: aggregate(units, results, () => null, score2021.parameters.partialCredit), units, majorRisks, highRiskFindings }),
  };
};
const many = (conform: number, other: 'nonconform' | 'partial' | 'na', n: number) => [...Array(conform).fill('conform'), ...Array(n).fill(other)];

describe('aggregation rules', () => {
  it("gives a unit's value over its objects", () => {
    expect(unitValue(['conform', 'conform'])).to.equal('conform');
    expect(unitValue(['nonconform', 'nonconform'])).to.equal('nonconform');
    expect(unitValue(['conform', 'nonconform'])).to.equal('partial');
    expect(unitValue(['conform', 'na'])).to.equal('conform');
    expect(unitValue(['na', 'na'])).to.equal('na');
    expect(unitValue(['not_assessed'])).to.equal(null);
  });

  it('counts per control point, layer and domain, with progress, and leaves incomplete units out of rates', () => {
    const units = [unit('L3-CES1-01', 'CES', 1), unit('L3-CES1-02', 'CES', 1), unit('L3-PES1-01', 'PES', 1, 'general', ['physical'])];
    const results: ResultRow[] = [
      { code: 'L3-CES1-01', objectKey: 'srv', value: 'conform' },
      { code: 'L3-CES1-01', objectKey: 'app', value: 'nonconform' },
      { code: 'L3-CES1-02', objectKey: 'srv', value: 'conform' },
      { code: 'L3-CES1-02', objectKey: 'app', value: 'not_assessed' },
      { code: 'L3-PES1-01', objectKey: 'system', value: 'na' },
    ];
    const a = aggregate(units, results, (k) => (k === 'srv' ? 'device' : k === 'app' ? 'application' : null), 0);
    expect(a.overall).to.deep.include({ units: 3, complete: 2, applicable: 1, rate: 0, progress: { assessed: 4, total: 5 } });
    expect(a.overall.counts).to.deep.equal({ conform: 0, partial: 1, nonconform: 0, na: 1 });
    expect(a.byLayer.map((l) => l.layer)).to.deep.equal(['PES', 'CES']);
    const device = a.byDomain.find((d) => d.domain === 'device')!;
    const application = a.byDomain.find((d) => d.domain === 'application')!;
    expect(device.counts.conform).to.equal(2); // both CES units conform on the server
    expect(application.counts.nonconform).to.equal(1);
    expect(application.complete).to.equal(1);
    expect(a.resultCounts).to.deep.equal({ not_assessed: 1, conform: 2, partial: 0, nonconform: 1, na: 1 });
  });
});

describe('conclusion schemes', () => {
  describe('mlps-2025 (compliance rate)', () => {
    it('conforms above 90% without major risk, 91 of 100', () => {
      const { r2025 } = run(many(91, 'nonconform', 9));
      expect(r2025).to.include({ conclusion: 'conform', value: 0.91 });
      expect(r2025.rule.zh).to.contain('符合 91 ÷ 适用测评项 100').and.contain('91.00%');
    });
    it('is only basic at exactly 90% (the threshold is "above")', () => {
      expect(run(many(90, 'nonconform', 10)).r2025.conclusion).to.equal('basic');
    });
    it('is basic at exactly 60% and nonconform just below', () => {
      expect(run(many(60, 'nonconform', 40)).r2025.conclusion).to.equal('basic');
      expect(run(many(59, 'nonconform', 41)).r2025.conclusion).to.equal('nonconform');
    });
    it('excludes 不适用 from the denominator and gives no credit to 部分符合 by default', () => {
      const r = run([...many(9, 'na', 5), 'partial']).r2025;
      expect(r.value).to.equal(0.9);
      expect(r.rule.en).to.contain('÷ 10 applicable units (excluding 5 not applicable)');
    });
    // 公网安〔2025〕1846号 Q20 at every boundary the issue names.
    const at = (conform: number, total: number, hazards = 0) => run(many(conform, 'nonconform', total - conform), hazards).r2025;
    it('95% without a major risk hazard → 符合', () => {
      expect(at(95, 100)).to.include({ conclusion: 'conform', value: 0.95 });
    });
    it('95% with one major risk hazard → 基本符合, never 不符合', () => {
      const r = at(95, 100, 1);
      expect(r.conclusion).to.equal('basic');
      expect(r.label.zh).to.equal('基本符合');
      expect(r.rule.zh).to.contain('重大风险隐患 1 个').and.contain('重大风险隐患本身不会使结论为不符合');
    });
    it('85% with a major risk hazard → 基本符合', () => {
      expect(at(85, 100, 1).conclusion).to.equal('basic');
      expect(at(85, 100, 3).conclusion).to.equal('basic');
    });
    it('exactly 90% → 基本符合 (符合 needs "above 90%"), with or without a hazard', () => {
      expect(at(90, 100).conclusion).to.equal('basic');
      expect(at(9, 10).conclusion).to.equal('basic');
      expect(at(90, 100, 1).conclusion).to.equal('basic');
    });
    it('exactly 60% → 基本符合, 59.9% → 不符合, whatever the hazards', () => {
      expect(at(60, 100).conclusion).to.equal('basic');
      expect(at(60, 100, 2).conclusion).to.equal('basic');
      expect(at(599, 1000).conclusion).to.equal('nonconform');
      expect(at(599, 1000, 1).conclusion).to.equal('nonconform');
    });
    it('says the official rule in its words, and is verified with its source and recorded readings', () => {
      const r = at(95, 100);
      expect(r.rule.zh).to.contain('符合率高于 90.00% 且无重大风险隐患为符合').and.contain('符合率不低于 60.00% 为基本符合，不论是否存在高风险问题或重大风险隐患').and.contain('符合率低于 60.00% 为不符合');
      expect(r.rule.en).to.contain('whatever the high-risk issues or major risk hazards');
      expect(r.basis.verified).to.equal(true);
      expect(r.basis.source).to.contain('1846');
      expect(r.basis.readings.map((x) => x.topic)).to.include.members(['exactly90', 'exactly60', 'partial', 'majorRiskAbove90']);
    });
    it('counts a unit whose applicable rows are all 部分符合 as 部分符合 (no credit), and one all 不符合 as 不符合', () => {
      expect(unitValue(['partial', 'partial'])).to.equal('partial');
      expect(unitValue(['partial', 'na'])).to.equal('partial');
      expect(unitValue(['nonconform', 'na', 'nonconform'])).to.equal('nonconform');
      expect(unitValue(['nonconform', 'partial'])).to.equal('partial');
      const r = run([...many(9, 'partial', 1)]).r2025;
      expect(r.value).to.equal(0.9);
    });
    it('is provisional while units are not assessed', () => {
      const { units, results } = build(['conform', 'conform']);
      results[1]!.value = 'not_assessed';
      const r = conclude(rate2025, { aggregation: aggregate(units, results, () => null, 0), units, majorRisks: 0, highRiskFindings: 0 });
      expect(r.provisional).to.equal(true);
    });
  });

  describe('mlps-2021 (composite score)', () => {
    it('bands the weighted score: 90 优, 80 良, 70 中, below 差', () => {
      expect(run(many(90, 'nonconform', 10)).r2021).to.include({ conclusion: 'excellent', value: 90 });
      expect(run(many(89, 'nonconform', 11)).r2021.conclusion).to.equal('good');
      expect(run(many(80, 'nonconform', 20)).r2021.conclusion).to.equal('good');
      expect(run(many(70, 'nonconform', 30)).r2021.conclusion).to.equal('fair');
      expect(run(many(69, 'nonconform', 31)).r2021.conclusion).to.equal('poor');
    });
    it('weights units by importance and gives half credit to 部分符合', () => {
      const units = [unit('A', 'PSS', 1, 'key', ['management']), unit('B', 'PSS', 1, 'general', ['management'])];
      const results: ResultRow[] = [{ code: 'A', objectKey: 'system', value: 'partial' }, { code: 'B', objectKey: 'system', value: 'conform' }];
      const r = conclude(score2021, { aggregation: aggregate(units, results, () => null, 0.5), units, majorRisks: 0, highRiskFindings: 0 });
      expect(r.value).to.be.closeTo((100 * (1 * 0.5 + 0.4 * 1)) / 1.4, 1e-9);
    });
    it('is 差 with any high-risk issue', () => {
      expect(run(many(100, 'nonconform', 0), 0, 1).r2021.conclusion).to.equal('poor');
    });
  });
});
