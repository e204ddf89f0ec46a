import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { shippedCatalogue } from '../../server/catalogue/index.js';
import { conclusionSchemes } from '../../server/assessments/schemes.js';
import { productCatalogue } from '../../server/cloud/products.js';
import { controlsDir, useControlsDir } from '../../server/controls/registry.js';
import { loadControlsPackage } from '../../server/controls/package.js';
import { validateControls } from '../../server/controls/validate.js';
import { deadlineRules } from '../../server/systems/deadline-rules.js';
import { filingRules } from '../../server/systems/filing-rules.js';
import { gradingData } from '../../server/systems/grading-matrix.js';
import { verificationTables } from '../../server/verification/tables.js';
import { CatalogueError } from '../../server/catalogue/load.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SHIPPED = path.join(ROOT, 'controls');

describe('the controls package (one loader)', () => {
  let dir: string;
  const edit = (file: string, fn: (s: string) => string) => writeFileSync(path.join(dir, file), fn(readFileSync(path.join(dir, file), 'utf8')));

  beforeEach(() => {
    dir = path.join(mkdtempSync(path.join(tmpdir(), 'dengbao-controls-')), 'controls');
    cpSync(SHIPPED, dir, { recursive: true });
  });
  afterEach(() => {
    useControlsDir(undefined);
    rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('every part follows CATALOGUE_DIR together, and switching back restores the shipped data', () => {
    const shipped = { certificate: filingRules().certificate.validYears, platform: deadlineRules().platformValidity.months['3'], catalogue: shippedCatalogue() };
    edit('filing-rules-2025.yaml', (s) => s.replace('validYears: 3', 'validYears: 5'));
    edit('deadline-rules.yaml', (s) => s.replace('platformValidity:\n  months: { 3: 12, 4: 6 }', 'platformValidity:\n  months: { 3: 18, 4: 6 }'));
    loadControlsPackage(dir);
    expect(controlsDir()).to.equal(dir);
    expect(filingRules().certificate.validYears).to.equal(5);
    expect(deadlineRules().platformValidity.months['3']).to.equal(18);
    // The catalogue and what is checked against it are re-read from the same directory.
    expect(shippedCatalogue()).not.to.equal(shipped.catalogue);
    expect(productCatalogue(shippedCatalogue()).categories.length).to.be.greaterThan(0);
    useControlsDir(undefined);
    expect(filingRules().certificate.validYears).to.equal(shipped.certificate);
    expect(deadlineRules().platformValidity.months['3']).to.equal(shipped.platform);
  });

  it('each part is read once per process, not on every call', () => {
    loadControlsPackage(undefined);
    expect(shippedCatalogue()).to.equal(shippedCatalogue());
    expect(conclusionSchemes()).to.equal(conclusionSchemes());
    expect(gradingData()).to.equal(gradingData());
    expect(verificationTables()).to.equal(verificationTables());
  });

  it('`catalogue validate` checks the whole package and lists every broken part', () => {
    expect(validateControls(dir).problems).to.deep.equal([]);
    edit('filing-rules-2025.yaml', (s) => s.replace('validYears: 3', 'validYears: three'));
    edit('grading.yaml', (s) => s.replace('standard: GB/T 22240-2020', 'standard: 42'));
    edit('schemes/mlps-2025.yaml', (s) => s.replace(/^id: .*$/m, 'id: 7'));
    edit('threat-catalogue.yaml', (s) => s.replace('verified: false', 'verified: maybe'));
    const problems = validateControls(dir).problems.join('\n');
    expect(problems).to.contain('filing-rules-2025.yaml: field certificate.validYears');
    expect(problems).to.contain('grading.yaml: field standard');
    expect(problems).to.contain('schemes/mlps-2025.yaml: field id');
    expect(problems).to.contain('threat-catalogue.yaml: field verified');
  });

  it('a broken part stops the package from loading, naming the file and field', () => {
    edit('deadline-rules.yaml', (s) => s.replace('platformValidity:\n  months: { 3: 12, 4: 6 }', 'platformValidity:\n  months: twelve'));
    expect(() => loadControlsPackage(dir)).to.throw(CatalogueError, 'deadline-rules.yaml: field platformValidity.months');
  });

  it('imports run one way: the catalogue depends on no domain module, platform rules not on the platform service', () => {
    const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'([^']+)'/g)].map((m) => m[1]!);
    for (const f of readdirSync(path.join(ROOT, 'server/catalogue')).filter((x) => x.endsWith('.ts'))) {
      const outside = importsOf(path.join(ROOT, 'server/catalogue', f)).filter((i) => i.startsWith('../') && !/^\.\.\/(controls\/registry|version|database\/transaction|util)\.js$/.test(i));
      expect(outside, `server/catalogue/${f}`).to.deep.equal([]);
    }
    expect(importsOf(path.join(ROOT, 'server/controls/registry.ts')).filter((i) => i.startsWith('.'))).to.deep.equal(['../version.js']);
    for (const f of ['server/cloud/inheritance.ts', 'server/cloud/platform-rules.ts', 'server/assessments/summary.ts']) {
      expect(importsOf(path.join(ROOT, f)), f).not.to.include('./platforms.js').and.not.to.include('../cloud/platforms.js');
    }
    // No dynamic import left to dodge a loop between the platform service and inheritance.
    expect(readFileSync(path.join(ROOT, 'server/cloud/platforms.ts'), 'utf8')).not.to.contain('await import(');
  });
});
