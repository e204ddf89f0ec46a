import { expect } from 'chai';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Catalogue, loadCatalogue } from '../../server/catalogue/index.js';
import { defaultCatalogueDir } from '../../server/catalogue/load.js';
import { sourceKey, writeSnapshot } from '../../server/catalogue/snapshot.js';
import { loadMajorRiskTriggers } from '../../server/catalogue/triggers.js';

describe('catalogue snapshot (what the compiled server starts from)', () => {
  let dir: string;
  let file: string;
  before(function () {
    this.timeout(300_000); // the whole catalogue from YAML: slow on a loaded machine
    dir = mkdtempSync(path.join(tmpdir(), 'dengbao-snapshot-'));
    file = path.join(dir, 'snapshot.json');
    writeSnapshot(file);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the same catalogue and triggers as the YAML, keyed by the files under controls/', function () {
    this.timeout(300_000);
    const snap = JSON.parse(readFileSync(file, 'utf8'));
    const yaml = loadCatalogue();
    const fromSnap = new Catalogue(...(snap.args as ConstructorParameters<typeof Catalogue>));
    expect(snap.key).to.equal(sourceKey());
    expect(fromSnap.contentHash).to.equal(yaml.contentHash);
    expect(JSON.stringify(fromSnap.items)).to.equal(JSON.stringify(yaml.items));
    expect(JSON.stringify(fromSnap.highRiskCases)).to.equal(JSON.stringify(yaml.highRiskCases));
    expect(fromSnap.byCode.get('L3-CES1-01')?.text.zh).to.equal(yaml.byCode.get('L3-CES1-01')?.text.zh);
    const { byCode: _, ...triggers } = loadMajorRiskTriggers(yaml);
    expect(JSON.stringify(snap.triggers)).to.equal(JSON.stringify(triggers));
  });

  it('holds every other YAML file of controls/ parsed, as the loaders would parse it (they still check it with their schemas)', function () {
    const snap = JSON.parse(readFileSync(file, 'utf8')) as { yaml: Record<string, unknown> };
    const root = defaultCatalogueDir();
    for (const rel of ['products/categories.yaml', 'grading.yaml', 'deadline-rules.yaml']) {
      expect(snap.yaml[rel], rel).to.deep.equal(parseYaml(readFileSync(path.join(root, rel), 'utf8')));
    }
    expect(Object.keys(snap.yaml).length).to.be.greaterThan(5);
  });

  it('an edited catalogue file changes the key, so the YAML is loaded and checked again', () => {
    const copy = path.join(dir, 'controls');
    cpSync(defaultCatalogueDir(), copy, { recursive: true });
    const before = sourceKey(copy);
    expect(before).to.equal(sourceKey());
    appendFileSync(path.join(copy, 'high-risk-cases.yaml'), '\n# edited\n');
    expect(sourceKey(copy)).not.to.equal(before);
  });
});
