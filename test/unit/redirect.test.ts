import { expect } from 'chai';
import fc from 'fast-check';
import { safeBack } from '../../server/web/redirect.js';

const BASE = 'http://dengbao.invalid';
/** What a browser would do with `Location: <value>` on this site. */
const staysHome = (location: string) => new URL(location, BASE).origin === BASE;

describe('safeBack (?back= of the pages)', () => {
  it('keeps paths of the site, query and fragment included', () => {
    for (const p of ['/', '/systems', '/systems?status=grading&level=3', '/catalogue?q=%E8%BA%AB%E4%BB%BD', '/assessments/x#workflow']) expect(safeBack(p)).to.equal(p);
  });

  it('refuses everything that leaves the site or is not a path', () => {
    for (const p of ['//evil.example', '/\\evil.example', '\\\\evil.example', '/%5Cevil.example', '/%2F%2Fevil.example', '/%252F%252Fevil.example', 'https://evil.example', 'javascript:alert(1)', '/\t/evil.example', '/\n/evil.example', ' //evil.example', '', 'systems', '/%E0%A4%A', undefined, 42, ['/a']]) {
      expect(safeBack(p), JSON.stringify(p)).to.equal('/');
    }
  });

  it('never returns a location a browser would resolve to another origin (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string().map((s) => `/${s}`), fc.webUrl(), fc.string().map((s) => `/${encodeURIComponent(s)}`)), (s) => {
        const out = safeBack(s);
        expect(out.startsWith('/') && !out.startsWith('//'), out).to.equal(true);
        expect(staysHome(out), out).to.equal(true);
      }),
      { numRuns: 2000 },
    );
  });
});
