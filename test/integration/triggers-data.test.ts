import { expect } from 'chai';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CatalogueError, shippedCatalogue } from '../../server/catalogue/index.js';
import { defaultCatalogueDir } from '../../server/catalogue/load.js';
import { loadMajorRiskTriggers, shippedTriggers } from '../../server/catalogue/triggers.js';
import { validateControls } from '../../server/controls/validate.js';

const catalogue = shippedCatalogue();
const triggers = shippedTriggers();
const norm = (s: string) => s.replace(/[。；;]\s*$/, '');

describe('major-risk-hazard triggers (controls/major-risk-triggers.yaml)', () => {
  it('holds the 32 triggers of appendix G table 1 in order: 26 on a requirement, 6 cross-cutting', () => {
    expect(triggers.triggers.map((t) => t.code)).to.deep.equal(Array.from({ length: 32 }, (_, i) => `A-${String(i + 1).padStart(2, '0')}`));
    expect(triggers.triggers.filter((t) => t.crossCutting).map((t) => t.code)).to.deep.equal(['A-27', 'A-28', 'A-29', 'A-30', 'A-31', 'A-32']);
    expect(triggers.principles.map((p) => p.zh)).to.deep.equal(['相关性', '严重性', '高发性']);
    for (const t of triggers.triggers) expect(t.source && t.confidence, t.code).to.be.a('string');
  });

  it('maps every trigger on a requirement (general, cloud, IoT, industrial control) to one unit per level; an exact match is the unit text word for word', () => {
    for (const t of triggers.triggers.filter((x) => !x.crossCutting)) {
      expect(t.units.map((u) => u.slice(0, 2)), t.code).to.deep.equal(['L3', 'L4']);
      for (const code of t.units) {
        const item = catalogue.byCode.get(code)!;
        expect(item.set, code).to.equal(t.extension);
        if (t.unitMatch === 'exact') expect(norm(item.text.zh), `${t.code} ${code}`).to.equal(norm(t.requirement!));
      }
    }
    expect(triggers.triggers.filter((t) => t.unitMatch === 'close').map((t) => t.code)).to.deep.equal(['A-02', 'A-06', 'A-23']);
    expect(triggers.triggers.filter((t) => t.unitMatch === 'exact')).to.have.length(23);
    // The industrial-control and IoT triggers land on their extension's units (issue 15 added the sets).
    expect(triggers.triggers.find((t) => t.code === 'A-17')!.units).to.deep.equal(['L3-ABS4-01', 'L4-ABS4-01']);
    expect(triggers.triggers.filter((t) => !t.crossCutting && !t.units.length)).to.deep.equal([]);
  });

  it('refuses a broken file, naming the trigger and the field', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dengbao-triggers-'));
    try {
      const original = readFileSync(path.join(defaultCatalogueDir(), 'major-risk-triggers.yaml'), 'utf8');
      const broken = original.replace('units: [L3-CES1-01, L4-CES1-01]', 'units: [L3-CES1-09, L4-CES1-01]').replace('  - code: A-05\n', '  - code: A-05\n    colour: red\n');
      writeFileSync(path.join(dir, 'major-risk-triggers.yaml'), broken);
      expect(() => loadMajorRiskTriggers(catalogue, dir)).to.throw(CatalogueError, 'trigger A-05: field colour');
      writeFileSync(path.join(dir, 'major-risk-triggers.yaml'), broken.replace('    colour: red\n', ''));
      expect(() => loadMajorRiskTriggers(catalogue, dir)).to.throw(CatalogueError, 'trigger A-18: field units: L3-CES1-09 is in CES 访问控制, not CES 身份鉴别');
      // `dengbao catalogue validate` reports it too.
      const copy = path.join(dir, 'controls');
      cpSync(defaultCatalogueDir(), copy, { recursive: true });
      writeFileSync(path.join(copy, 'major-risk-triggers.yaml'), broken.replace('    colour: red\n', ''));
      const report = validateControls(copy);
      expect(report.ok).to.equal(false);
      expect(report.problems.join('\n')).to.contain('trigger A-18: field units: L3-CES1-09');
      expect(validateControls(defaultCatalogueDir()).problems.filter((p) => p.includes('trigger'))).to.deep.equal([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
