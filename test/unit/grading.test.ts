import { expect } from 'chai';
import { todayInChina } from '../../server/dates.js';
import { addMonths, addWorkingDays, cycleMonths } from '../../server/systems/deadline-rules.js';
import { grade, HARM_DEGREES, HARMED_OBJECTS, levelFor } from '../../server/systems/grading-matrix.js';
import { canTransition, LIFECYCLE_STATES, TRANSITIONS } from '../../server/systems/lifecycle.js';

// GB/T 22240-2020 table: rows = object harmed, columns = general / serious / especially serious.
const EXPECTED: Record<string, number[]> = { citizens: [1, 2, 2], social: [2, 3, 4], national: [3, 4, 5] };

describe('grading (GB/T 22240-2020)', () => {
  for (const object of HARMED_OBJECTS) {
    HARM_DEGREES.forEach((degree, i) => {
      const want = EXPECTED[object]![i]!;
      it(`${object} × ${degree} gives level ${want} for S and for A`, () => {
        const low = [{ object: 'citizens' as const, degree: 'general' as const }];
        const s = grade([{ object, degree }], low);
        expect(s.sLevel).to.equal(want);
        const a = grade(low, [{ object, degree }]);
        expect(a.aLevel).to.equal(want);
      });
    });
  }

  it('takes the highest cell over every object harmed', () => {
    expect(levelFor([{ object: 'citizens', degree: 'especially_serious' }, { object: 'social', degree: 'serious' }])).to.equal(3);
  });

  it('sets G to the higher of S and A and writes SxAyGz', () => {
    const r = grade([{ object: 'social', degree: 'serious' }], [{ object: 'social', degree: 'general' }]);
    expect(r).to.deep.equal({ sLevel: 3, aLevel: 2, level: 3, notation: 'S3A2G3' });
    expect(grade([{ object: 'citizens', degree: 'serious' }], [{ object: 'national', degree: 'serious' }]).notation).to.equal('S2A4G4');
  });
});

describe('deadline arithmetic', () => {
  it('adds months and clamps to the end of the month', () => {
    expect(addMonths('2026-01-31', 1)).to.equal('2026-02-28');
    expect(addMonths('2027-08-31', 6)).to.equal('2028-02-29'); // leap year
    expect(addMonths('2026-08-31', 6)).to.equal('2027-02-28');
    expect(addMonths('2025-12-15', 12)).to.equal('2026-12-15');
    expect(addMonths('2026-03-31', 6)).to.equal('2026-09-30');
  });
  it('counts working days Monday to Friday', () => {
    expect(addWorkingDays('2026-11-27', 10)).to.equal('2026-12-11'); // Friday + 10 working days
    expect(addWorkingDays('2026-11-28', 1)).to.equal('2026-11-30'); // Saturday → Monday
  });
  it('uses Asia/Shanghai calendar days', () => {
    expect(todayInChina(new Date('2026-03-31T15:59:59Z'))).to.equal('2026-03-31');
    expect(todayInChina(new Date('2026-03-31T16:00:00Z'))).to.equal('2026-04-01');
  });
  it('has a yearly cycle at level 3 and a half-yearly one at level 4, none at level 2', () => {
    expect(cycleMonths('test', 3)).to.equal(12);
    expect(cycleMonths('test', 4)).to.equal(6);
    expect(cycleMonths('test', 2)).to.equal(undefined);
    expect(cycleMonths('selfInspection', 4)).to.equal(6);
  });
});

describe('lifecycle table', () => {
  it('follows grading → review → approved → filed → remediation ⇄ testing → passed → supervision', () => {
    const path = ['grading', 'review', 'approved', 'filed', 'remediation', 'testing', 'passed', 'supervision'] as const;
    for (let i = 0; i + 1 < path.length; i++) expect(canTransition(path[i]!, path[i + 1]!), `${path[i]} → ${path[i + 1]}`).to.equal(true);
    expect(canTransition('testing', 'remediation')).to.equal(true);
    expect(canTransition('grading', 'filed')).to.equal(false);
    for (const s of LIFECYCLE_STATES) for (const t of TRANSITIONS[s]) expect(LIFECYCLE_STATES).to.include(t);
  });
});
