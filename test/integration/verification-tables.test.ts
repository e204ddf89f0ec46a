import { expect } from 'chai';
import { matrixRisk, riskOfLevel, scannerLevel, verificationTables } from '../../server/verification/tables.js';

describe('verification tables under controls/', () => {
  it('hold their sources, are marked unverified, and the matrix is square over its scales', () => {
    const t = verificationTables();
    for (const x of [t.severity, t.threats, t.matrix]) {
      expect(x.source).to.have.length.greaterThan(40);
      expect(x.verified).to.equal(false);
    }
    // Cited in the report's appendix I in its language: a Chinese source beside the English one.
    for (const x of [t.threats, t.matrix]) expect(x.sourceZh).to.match(/GB\/T 20984-2007/).and.match(/[\u4e00-\u9fff]{10}/);
    expect(t.threats.threats).to.have.length(11);
    expect(t.matrix.matrix).to.have.length(t.matrix.impact.length);
    expect(matrixRisk(1, 1)).to.equal('low');
    expect(matrixRisk(3, 3)).to.equal('medium');
    expect(matrixRisk(4, 4)).to.equal('high');
    expect(matrixRisk(5, 1)).to.equal('medium');
    expect(matrixRisk(6, 1)).to.equal(undefined);
    // Higher likelihood or impact never lowers the risk.
    const rank = { low: 0, medium: 1, high: 2 } as const;
    for (let i = 1; i <= 5; i++) for (let l = 1; l < 5; l++) expect(rank[matrixRisk(l + 1, i)!]).to.be.at.least(rank[matrixRisk(l, i)!]);
  });

  it('maps scanner words and scores to a level and a dengbao risk', () => {
    expect(scannerLevel({ nessus: '4' })).to.equal('critical');
    expect(riskOfLevel('critical')).to.equal('high');
    expect(scannerLevel({ word: '中危' })).to.equal('medium');
    expect(scannerLevel({ word: 'Critical' })).to.equal('critical');
    expect(scannerLevel({ cvss: 6.9 })).to.equal('medium');
    expect(scannerLevel({ cvss: 0 })).to.equal('info');
    expect(scannerLevel({ word: '未知' })).to.equal(undefined);
  });
});
