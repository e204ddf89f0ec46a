import { expect } from 'chai';
import { existsSync, readdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { WORKBOOK_LIMITS } from '../../reports/workbook/archive.js';
import { createTestApp } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { cookieFor, listen, multipart, multipartHeaders, rawRequest, sharedStringsBomb, xlsxParts, zip } from '../utils/raw-http.js';

/** Every file under a directory (relative paths), to see that a refused import stored nothing. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
    .sort();
}

describeEachEngine('hostile workbooks: refused within a budget, the server keeps answering', (ctx) => {
  let base: string;
  let close: () => Promise<void>;
  let consultant: { cookie: string; csrf: string };
  let assessmentId: string;
  const evidenceDir = () => path.join(ctx.db.dataDir, 'evidence');

  before(async function () {
    this.timeout(120_000);
    const app = await createTestApp(ctx.db);
    ({ url: base, close } = await listen(app));
    consultant = await cookieFor(base, 'consultant');
    const list = await rawRequest(base, 'GET', '/api/v1/assessments?status=in_progress', { cookie: consultant.cookie });
    assessmentId = JSON.parse(list.text).data.find((a: { kind: string }) => a.kind === 'formal_test').id;
  });
  after(async () => close?.());

  /** Imports `file` while /healthz is asked every 50 ms; returns the answer and the slowest health check. */
  async function importWhileWatchingHealth(file: Buffer, route: 'api' | 'web' = 'api') {
    const body = multipart({}, { name: 'records.xlsx', content: file });
    let slowest = 0;
    let checks = 0;
    let done = false;
    const watcher = (async () => {
      while (!done) {
        const t0 = Date.now();
        const res = await rawRequest(base, 'GET', '/healthz', {}, undefined, 10_000);
        expect(res.status).to.equal(200);
        slowest = Math.max(slowest, Date.now() - t0);
        checks++;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const t0 = Date.now();
    const path = route === 'api' ? `/api/v1/assessments/${assessmentId}/workbook?dryRun=1` : `/assessments/${assessmentId}/workbook-import?_csrf=${consultant.csrf}`;
    const res = await rawRequest(base, 'POST', path, multipartHeaders(body, consultant.cookie), body, 90_000).finally(() => (done = true));
    const elapsed = Date.now() - t0;
    await watcher;
    return { res, slowest, checks, elapsed, error: route === 'api' ? JSON.parse(res.text).error : undefined };
  }

  it('190 MB of shared strings in a small xlsx: 400 at once, /healthz answers throughout', async function () {
    this.timeout(180_000);
    const bomb = await sharedStringsBomb(190);
    expect(bomb.length).to.be.below(1024 * 1024);
    const before = filesUnder(evidenceDir());
    const { res, slowest, checks, elapsed, error } = await importWhileWatchingHealth(bomb);
    expect(res.status).to.equal(400);
    expect(error.details[0]).to.include({ code: 'shared_strings_too_large' });
    if (process.env.TEST_VERBOSE) console.log(`      ${Math.round(bomb.length / 1024)} KB bomb refused in ${elapsed} ms; ${checks} health checks, slowest ${slowest} ms`);
    expect(elapsed, 'time to refuse').to.be.below(5_000);
    expect(checks).to.be.greaterThan(0);
    expect(slowest, 'slowest /healthz during the import (ms)').to.be.below(1_000);
    // The page route refuses it the same way and keeps nothing.
    const web = await importWhileWatchingHealth(bomb, 'web');
    expect(web.res.status).to.equal(400);
    expect(web.slowest).to.be.below(1_000);
    expect(filesUnder(evidenceDir())).to.deep.equal(before);
  });

  it('a real record workbook (the demo assessment, every row) imports as a dry run while /healthz keeps answering', async function () {
    this.timeout(120_000);
    const xlsx = await new Promise<Buffer>((resolve, reject) => {
      http.get(`${base}/api/v1/assessments/${assessmentId}/workbook.xlsx`, { headers: { cookie: consultant.cookie } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
      }).on('error', reject);
    });
    const { res, slowest, elapsed } = await importWhileWatchingHealth(xlsx);
    expect(res.status, res.text.slice(0, 300)).to.equal(200);
    if (process.env.TEST_VERBOSE) console.log(`      real workbook ${Math.round(xlsx.length / 1024)} KB: import ${elapsed} ms, slowest /healthz ${slowest} ms`);
    expect(slowest, 'slowest /healthz during a real import (ms)').to.be.below(2_000);
  });

  it('a workbook inside the limits but past the parse budget: stopped (too_slow, too_much_memory), /healthz answers, the next import works', async function () {
    this.timeout(240_000);
    const items = 150_000;
    const heavy = await zip({
      ...xlsxParts(1),
      'xl/sharedStrings.xml': `<sst count="${items}" uniqueCount="${items}">${Array.from({ length: items }, (_, i) => `<si><t>${String(i).padEnd(90, 'x')}</t></si>`).join('')}</sst>`,
      'xl/worksheets/sheet1.xml': `<worksheet><sheetData>${Array.from({ length: 15_000 }, (_, r) => `<row r="${r + 1}">${Array.from({ length: 9 }, (_, c) => `<c r="${String.fromCharCode(65 + c)}${r + 1}" t="s"><v>${(r * 9 + c) % items}</v></c>`).join('')}</row>`).join('')}</sheetData></worksheet>`,
    });
    const saved = { ...WORKBOOK_LIMITS };
    try {
      WORKBOOK_LIMITS.maxParseSeconds = 0.5;
      const slow = await importWhileWatchingHealth(heavy);
      expect(slow.res.status).to.equal(400);
      expect(slow.error.details[0]).to.include({ code: 'too_slow' });
      expect(slow.slowest).to.be.below(1_000);
      WORKBOOK_LIMITS.maxParseSeconds = saved.maxParseSeconds;
      WORKBOOK_LIMITS.maxParseMemoryMb = 16;
      const fat = await importWhileWatchingHealth(heavy);
      expect(fat.res.status).to.equal(400);
      expect(fat.error.details[0]).to.include({ code: 'too_much_memory' });
      expect(fat.slowest).to.be.below(1_000);
    } finally {
      Object.assign(WORKBOOK_LIMITS, saved);
    }
    // Within the budget the same workbook parses whole, then matches nothing of the assessment (422).
    const ok = await importWhileWatchingHealth(heavy);
    expect(ok.res.status, ok.res.text.slice(0, 300)).to.equal(422);
    expect(ok.error.code).to.equal('workbook_unmatched');
    expect(ok.slowest).to.be.below(1_000);
  });

  it('shared strings under the size limit but too many, or one cell too long: 400 naming the limit', async function () {
    this.timeout(60_000);
    const many = await zip({ ...xlsxParts(1), 'xl/sharedStrings.xml': `<sst count="5" uniqueCount="5">${'<si><t>x</t></si>'.repeat(200_001)}</sst>` });
    expect((await importWhileWatchingHealth(many)).error.details[0]).to.include({ code: 'too_many_shared_strings' });
    const declared = await zip({ ...xlsxParts(1), 'xl/sharedStrings.xml': '<sst count="999999999" uniqueCount="999999999"><si><t>x</t></si></sst>' });
    expect((await importWhileWatchingHealth(declared)).error.details[0]).to.include({ code: 'too_many_shared_strings' });
    const long = await zip({ ...xlsxParts(1), 'xl/sharedStrings.xml': `<sst><si><r><t>${'长'.repeat(20_000)}</t></r><r><t>${'&amp;'.repeat(13_000)}</t></r></si></sst>` });
    expect((await importWhileWatchingHealth(long)).error.details[0]).to.include({ code: 'cell_text_too_long' });
  });

  it('a zip bomb (256 MB of zeros in a sheet) and an entry lying about its size: 400, quickly', async function () {
    this.timeout(180_000);
    const zero = Buffer.alloc(1024 * 1024);
    const bomb = await zip({ ...xlsxParts(1), 'xl/worksheets/sheet1.xml': { size: 256 * zero.length, *chunks() { for (let i = 0; i < 256; i++) yield zero; } } });
    expect(bomb.length).to.be.below(1024 * 1024);
    const { res, slowest, elapsed, error } = await importWhileWatchingHealth(bomb);
    expect(res.status).to.equal(400);
    expect(error.details[0].code).to.be.oneOf(['too_large_uncompressed', 'sheet_too_large']);
    expect(elapsed).to.be.below(5_000);
    expect(slowest).to.be.below(1_000);
    // The central directory claims a tiny sheet; the data inflates to 60 MB: refused while reading.
    const liar = await zip({ ...xlsxParts(1), 'xl/worksheets/sheet1.xml': { size: 60 * zero.length, *chunks() { for (let i = 0; i < 60; i++) yield zero; } } });
    const sizeAt = liar.lastIndexOf(Buffer.from('xl/worksheets/sheet1.xml')) - 46 + 24; // central directory: uncompressed size
    liar.writeUInt32LE(1000, sizeAt);
    const lied = await importWhileWatchingHealth(liar);
    expect(lied.res.status).to.be.within(400, 499);
  });

  it('1,001 sheets: 400 too_many_sheets', async function () {
    this.timeout(60_000);
    const { res, error } = await importWhileWatchingHealth(await zip(xlsxParts(1001)));
    expect(res.status).to.equal(400);
    expect(error.details[0]).to.include({ code: 'too_many_sheets' });
  });

  it('XML external entities are never resolved: a DTD anywhere is refused', async function () {
    this.timeout(60_000);
    const xxe = await zip({
      ...xlsxParts(1),
      'xl/sharedStrings.xml': '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY secret SYSTEM "file:///etc/passwd">]><sst><si><t>&secret;</t></si></sst>',
    });
    const { res, error } = await importWhileWatchingHealth(xxe);
    expect(res.status).to.equal(400);
    expect(error.details[0]).to.include({ code: 'xml_dtd_not_allowed' });
    expect(res.text).not.to.contain('root:');
    const laughs = await zip({
      ...xlsxParts(1),
      'xl/worksheets/sheet1.xml': `<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "${'x'.repeat(100)}"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&c;</t></is></c></row></sheetData></worksheet>`,
    });
    expect((await importWhileWatchingHealth(laughs)).error.details[0]).to.include({ code: 'xml_dtd_not_allowed' });
  });
});
