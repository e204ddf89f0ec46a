import { expect } from 'chai';
import { objectParts, PART_PAGE_ROWS, type WsRow } from '../../server/web/workspace-view.js';

const row = (code: string, objectKey: string): WsRow => ({ id: `${code}|${objectKey}`, code, objectKey, value: 'not_assessed', record: null, methods: null, inherited: false, rowVersion: 1, outsideMapping: false });
const rows = (units: number, objects: string[]) => Array.from({ length: units }, (_, u) => objects.map((o) => row(`L3-CES1-0${u + 1}`, o))).flat();
const names = (k: string) => k.toUpperCase();

describe('workspace: a big control point in groups of objects', () => {
  it('shows a page of up to PART_PAGE_ROWS rows whole', () => {
    expect(objectParts(rows(4, Array.from({ length: PART_PAGE_ROWS / 4 }, (_, i) => `o${i}`)), 4, names, undefined)).to.equal(undefined);
  });

  it('splits by object in name order, the whole system first, each part within the bound; a part past the end is the last', () => {
    const objects = ['system', ...Array.from({ length: 60 }, (_, i) => `o${String(59 - i).padStart(2, '0')}`)];
    const all = rows(4, objects);
    const first = objectParts(all, 4, names, undefined)!;
    expect(first).to.include({ part: 1, count: 3, from: 1, to: 25, total: 61 });
    expect([...first.keys].slice(0, 3)).to.deep.equal(['system', 'o00', 'o01']);
    expect(all.filter((r) => first.keys.has(r.objectKey)).length).to.be.at.most(PART_PAGE_ROWS);
    const last = objectParts(all, 4, names, 7)!;
    expect(last).to.include({ part: 3, from: 51, to: 61 });
    expect([...last.keys]).to.include('o59');
  });
});
