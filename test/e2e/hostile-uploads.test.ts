import { expect } from 'chai';
import { existsSync, readdirSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createTestApp } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { pdf, png } from '../utils/files.js';
import { cookieFor, listen, multipart, multipartHeaders, rawRequest, type RawResponse } from '../utils/raw-http.js';

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)))
    .sort();
}

describeEachEngine('hostile uploads: truncated bodies never end the process; refused uploads leave nothing', (ctx) => {
  let base: string;
  let close: () => Promise<void>;
  let consultant: { cookie: string; csrf: string };
  let auditor: { cookie: string; csrf: string };
  let officer: { cookie: string; csrf: string };
  let organizationId: string;
  let assessmentId: string;
  let evidenceId: string;
  const evidenceDir = () => path.join(ctx.db.dataDir, 'evidence');
  const count = async (table: string) => Number((await ctx.db.knex(table).count({ n: '*' }).first())?.n);
  const healthy = async () => expect((await rawRequest(base, 'GET', '/healthz', {}, undefined, 10_000)).status).to.equal(200);

  before(async function () {
    this.timeout(120_000);
    const app = await createTestApp(ctx.db, { maxUploadMb: 1 });
    ({ url: base, close } = await listen(app));
    consultant = await cookieFor(base, 'consultant');
    auditor = await cookieFor(base, 'auditor');
    officer = await cookieFor(base, 'officer');
    const list = await rawRequest(base, 'GET', '/api/v1/assessments?status=in_progress', { cookie: consultant.cookie });
    const demo = JSON.parse(list.text).data.find((a: { kind: string }) => a.kind === 'formal_test');
    assessmentId = demo.id;
    organizationId = demo.organizationId;
    const body = multipart({ title: 'Firewall policy', kind: 'configuration' }, { name: 'fw.png', content: png(7001), type: 'image/png' });
    const created = await rawRequest(base, 'POST', '/api/v1/evidence', multipartHeaders(body, consultant.cookie), body);
    expect(created.status, created.text).to.equal(201);
    evidenceId = JSON.parse(created.text).id;
  });
  after(async () => close?.());

  const truncated = multipart({ title: 'Cut short', kind: 'other' }, { name: 'a.txt', content: Buffer.from('abc'), type: 'text/plain' }, true);

  it('a truncated multipart body (no closing boundary) is a 400 on every upload route, and the server keeps serving', async function () {
    this.timeout(60_000);
    const routes: Array<[string, string, { cookie: string; csrf: string }]> = [
      ['POST /evidence', '/api/v1/evidence', consultant],
      ['POST /evidence/:id/versions', `/api/v1/evidence/${evidenceId}/versions`, consultant],
      ['POST workbook import (API)', `/api/v1/assessments/${assessmentId}/workbook?dryRun=1`, consultant],
      ['POST workbook import (page)', `/assessments/${assessmentId}/workbook-import?_csrf=${consultant.csrf}`, consultant],
      ['POST evidence (page)', `/evidence?_csrf=${consultant.csrf}`, consultant],
      ['POST Word template', `/api/v1/organizations/${organizationId}/report-templates`, officer],
      ['POST scanner file', `/api/v1/assessments/${assessmentId}/scans`, consultant],
      ['POST scanner file (page)', `/assessments/${assessmentId}/scans?_csrf=${consultant.csrf}`, consultant],
      ['POST penetration test CSV', `/api/v1/assessments/${assessmentId}/pentests/import`, consultant],
    ];
    const before = { files: filesUnder(evidenceDir()), evidence: await count('evidence'), versions: await count('evidence_versions') };
    for (const [name, url, who] of routes) {
      // Twice in a row, and once more with the file part cut inside its headers.
      for (const body of [truncated, truncated, Buffer.from(`--x\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\nContent-Ty`)]) {
        const res: RawResponse = await rawRequest(base, 'POST', url, multipartHeaders(body, who.cookie, body === truncated ? {} : { 'content-type': 'multipart/form-data; boundary=x' }), body);
        // The evidence page answers a refused upload with a redirect carrying the error.
        if (name === 'POST evidence (page)' && res.status === 303) expect(res.headers.location).to.contain('error=');
        else expect(res.status, `${name}: ${res.text.slice(0, 200)}`).to.be.within(400, 499);
        await healthy();
      }
    }
    // Sent by an auditor (who may add versions to nothing): still an answer, never a crash.
    const asAuditor = await rawRequest(base, 'POST', `/api/v1/evidence/${evidenceId}/versions`, multipartHeaders(truncated, auditor.cookie), truncated);
    expect(asAuditor.status).to.be.within(400, 499);
    await healthy();
    expect(filesUnder(evidenceDir())).to.deep.equal(before.files);
    expect({ evidence: await count('evidence'), versions: await count('evidence_versions') }).to.deep.equal({ evidence: before.evidence, versions: before.versions });
  });

  it('form fields named like Object.prototype members (constructor, __proto__, toString) are plain fields, never a crash', async function () {
    this.timeout(60_000);
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const body = multipart({ title: 'Prototype names', kind: 'other', [name]: 'x' }, { name: 'p.png', content: png(7100 + name.length), type: 'image/png' });
      const res = await rawRequest(base, 'POST', '/api/v1/evidence', multipartHeaders(body, consultant.cookie), body);
      expect(res.status, `${name}: ${res.text.slice(0, 200)}`).to.be.within(200, 499);
      await healthy();
    }
  });

  it('a client that disconnects mid-upload leaves no temporary file and the server keeps serving', async function () {
    this.timeout(60_000);
    const before = filesUnder(evidenceDir());
    const head = multipart({ title: 'Gone', kind: 'other' }, { name: 'big.pdf', content: Buffer.alloc(200 * 1024, 0x41) }, true);
    const full = multipart({ title: 'Gone', kind: 'other' }, { name: 'big.pdf', content: Buffer.alloc(900 * 1024, 0x41) });
    await new Promise<void>((resolve) => {
      const url = new URL('/api/v1/evidence', base);
      const r = http.request({ host: url.hostname, port: url.port, method: 'POST', path: url.pathname, headers: multipartHeaders(full, consultant.cookie) });
      r.on('error', () => resolve());
      r.write(head, () => setTimeout(() => (r.destroy(), resolve()), 300));
    });
    await new Promise((r) => setTimeout(r, 500));
    await healthy();
    expect(filesUnder(evidenceDir())).to.deep.equal(before);
  });

  it('refused page uploads are all or nothing: missing assessment, bad result id, refused workbook, no organisation', async function () {
    this.timeout(60_000);
    const before = { files: filesUnder(evidenceDir()), evidence: await count('evidence'), blobs: await count('evidence_blobs'), links: await count('evidence_links') };
    const file = multipart({}, { name: 'shot.png', content: png(7002), type: 'image/png' });
    const missing = '00000000-0000-4000-8000-000000000000';
    // Upload to an assessment that does not exist.
    const noAssessment = await rawRequest(base, 'POST', `/assessments/${missing}/results/${missing}/evidence?_csrf=${consultant.csrf}`, multipartHeaders(file, consultant.cookie), file);
    expect(noAssessment.status).to.equal(404);
    // Evidence linked to a result id that does not exist: 404 and no record.
    const badResult = await rawRequest(base, 'POST', `/assessments/${assessmentId}/results/${missing}/evidence?_csrf=${consultant.csrf}`, multipartHeaders(file, consultant.cookie), file);
    expect(badResult.status).to.equal(404);
    // A workbook import of something that is no workbook (415): nothing kept.
    const notXlsx = multipart({}, { name: 'records.xlsx', content: pdf('not a workbook') });
    const refused = await rawRequest(base, 'POST', `/assessments/${assessmentId}/workbook-import?_csrf=${consultant.csrf}`, multipartHeaders(notXlsx, consultant.cookie), notXlsx);
    expect(refused.status).to.equal(415);
    // An auditor's upload on the page: refused (403), nothing kept.
    const byAuditor = await rawRequest(base, 'POST', `/evidence?_csrf=${auditor.csrf}`, multipartHeaders(file, auditor.cookie), file);
    expect(byAuditor.status).to.be.oneOf([303, 403]);
    expect(filesUnder(evidenceDir())).to.deep.equal(before.files);
    expect({ files: before.files, evidence: await count('evidence'), blobs: await count('evidence_blobs'), links: await count('evidence_links') }).to.deep.equal(before);
    // The same upload to a real result works, linked, in one go.
    const resultId = (await ctx.db.knex('assessment_results').where({ assessment_id: assessmentId }).first()).id as string;
    const ok = await rawRequest(base, 'POST', `/assessments/${assessmentId}/results/${resultId}/evidence?_csrf=${consultant.csrf}`, multipartHeaders(file, consultant.cookie), file);
    expect(ok.status).to.equal(303);
    expect(await ctx.db.knex('evidence_links').where({ target_type: 'assessment_result', target_id: resultId }).count({ n: '*' }).first()).to.deep.include({ n: ctx.engine === 'postgres' ? '1' : 1 });
  });
});
