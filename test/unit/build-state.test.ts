import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildState, stampFile } from '../../scripts/build-state.mjs';

describe('build freshness (npm start rebuilds only when a source is newer)', () => {
  let root: string;
  // Times ahead of the clock: creating a directory stamps its parent with the real time.
  const base = Date.now() + 60_000;
  const at = (s: number) => new Date(base + s * 1000);
  const write = (rel: string, s: number) => {
    const f = path.join(root, rel);
    mkdirSync(path.dirname(f), { recursive: true });
    writeFileSync(f, 'x');
    utimesSync(f, at(s), at(s));
    utimesSync(path.dirname(f), at(s), at(s));
  };
  before(() => {
    root = mkdtempSync(path.join(tmpdir(), 'dengbao-build-'));
    write('server/main.ts', 1);
    write('controls/catalogue.yaml', 2);
    write('package.json', 1);
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('is stale before any build, fresh after one, stale again when a source or the catalogue changes', () => {
    expect(buildState(root).fresh).to.equal(false);
    write('dist/.build-stamp', 10);
    expect(stampFile(root)).to.equal(path.join(root, 'dist', '.build-stamp'));
    expect(buildState(root).fresh).to.equal(true);
    write('server/routes/new.ts', 11);
    expect(buildState(root).fresh).to.equal(false);
    write('dist/.build-stamp', 12);
    expect(buildState(root).fresh).to.equal(true);
    write('controls/catalogue.yaml', 13);
    expect(buildState(root).fresh).to.equal(false);
  });
});
