import { expect } from 'chai';
import type { Express } from 'express';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import supertest from 'supertest';
import { todayInChina, addDays } from '../../server/dates.js';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { binary } from '../utils/http.js';
import { elf, pdf, png } from '../utils/files.js';
import { runCli } from '../utils/process.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');


function upload(agent: Agent, file: Buffer | null, name: string, fields: Record<string, string | string[]> = {}, url = '/api/v1/evidence') {
  let req = agent.post(url);
  for (const [k, v] of Object.entries({ title: 'Firewall policy', kind: 'configuration', ...fields })) {
    for (const value of Array.isArray(v) ? v : [v]) req = req.field(k, value);
  }
  if (file) req = req.attach('file', file, name);
  return req;
}

describeEachEngine('evidence store', (ctx) => {
  let app: Express;
  let consultant: Agent, officer: Agent, auditor: Agent, officer2: Agent;
  let orgs: { citybrain: string; bank: string };
  const evidenceDir = () => path.join(ctx.db.dataDir, 'evidence');
  const blobPath = (org: string, hash: string) => path.join(evidenceDir(), org, hash.slice(0, 2), hash.slice(2, 4), hash);
  const tmpFiles = () => (existsSync(path.join(evidenceDir(), 'tmp')) ? readdirSync(path.join(evidenceDir(), 'tmp')) : []);
  const count = async (table: string) => Number((await ctx.db.knex(table).count({ n: '*' }).first())?.n);

  before(async () => {
    app = await createTestApp(ctx.db, { maxUploadMb: 1 });
    consultant = await signIn(app, 'consultant');
    officer = await signIn(app, 'officer');
    auditor = await signIn(app, 'auditor');
    officer2 = await signIn(app, 'officer2');
    orgs = await demoOrganizations(ctx.db);
  });

  it('round-trips an upload: stored under its hash, downloaded byte for byte with the sanitised name', async () => {
    const file = png(1);
    const res = await upload(consultant, file, '防火墙截图.png', { tags: ['firewall', 'boundary'], validUntil: '2099-12-31', source: 'FW-01 边界防火墙' }).expect(201);
    expect(res.body).to.include({ title: 'Firewall policy', kind: 'configuration', organizationId: orgs.citybrain, expired: false });
    expect(res.body.currentVersion).to.include({ version: 1, hash: sha256(file), size: file.length, mediaType: 'image/png', originalName: '防火墙截图.png' });
    expect(res.body.tags).to.deep.equal(['boundary', 'firewall']);
    expect(readFileSync(blobPath(orgs.citybrain, sha256(file)))).to.deep.equal(file);
    const dl = await auditor.get(`/api/v1/evidence/${res.body.id}/download`).buffer(true).parse(binary).expect(200);
    expect(Buffer.compare(dl.body, file)).to.equal(0);
    expect(dl.headers['content-type']).to.equal('image/png');
    expect(dl.headers['content-disposition']).to.contain("filename*=UTF-8''%E9%98%B2%E7%81%AB%E5%A2%99%E6%88%AA%E5%9B%BE.png");
    expect(dl.headers['repr-digest']).to.equal(`sha-256=:${createHash('sha256').update(file).digest('base64')}:`);
  });

  it('sniffs the media type from the content, not the name or the client header', async () => {
    const res = await upload(consultant, pdf(), 'looks-like.png', { title: 'Policy', kind: 'document' }).expect(201);
    expect(res.body.currentVersion.mediaType).to.equal('application/pdf');
    const text = await upload(consultant, Buffer.from('interface GigabitEthernet0/1\n ip address 10.0.0.1 255.255.255.0\n'), 'running-config.txt').expect(201);
    expect(text.body.currentVersion.mediaType).to.equal('text/plain');
    const csv = await upload(consultant, Buffer.from('账号,角色\nadmin,管理员\n'), 'accounts.csv').expect(201);
    expect(csv.body.currentVersion.mediaType).to.equal('text/csv');
  });

  it('deduplicates identical files within the organisation', async () => {
    const file = png(2);
    const blobsBefore = await count('evidence_blobs');
    const a = await upload(consultant, file, 'a.png').expect(201);
    const b = await upload(officer, file, 'b.png', { title: 'Same screenshot, other record' }).expect(201);
    expect(a.body.id).not.to.equal(b.body.id);
    expect(await count('evidence_blobs')).to.equal(blobsBefore + 1);
    // The bank's identical file is its own blob in its own namespace.
    await upload(officer2, file, 'bank.png').expect(201);
    expect(existsSync(blobPath(orgs.bank, sha256(file)))).to.equal(true);
    expect(await count('evidence_blobs')).to.equal(blobsBefore + 2);
  });

  it('keeps every version; nothing is overwritten', async () => {
    const v1 = png(3);
    const v2 = png(4);
    const created = await upload(consultant, v1, 'v1.png').expect(201);
    const second = await upload(consultant, v2, 'v2.png', {}, `/api/v1/evidence/${created.body.id}/versions`)
      .expect(400); // metadata fields are not accepted on a new version
    expect(second.body.error.details.map((d: { path: string }) => d.path)).to.include.members(['title', 'kind']);
    const ok = await consultant.post(`/api/v1/evidence/${created.body.id}/versions`).field('note', 'after the fix').attach('file', v2, 'v2.png').expect(201);
    expect(ok.body.currentVersion).to.include({ version: 2, hash: sha256(v2), note: 'after the fix' });
    expect(ok.body.versions.map((v: { version: number }) => v.version)).to.deep.equal([1, 2]);
    const old = await auditor.get(`/api/v1/evidence/${created.body.id}/versions/1/download`).buffer(true).parse(binary).expect(200);
    expect(sha256(old.body)).to.equal(sha256(v1));
    const latest = await auditor.get(`/api/v1/evidence/${created.body.id}/download`).buffer(true).parse(binary).expect(200);
    expect(sha256(latest.body)).to.equal(sha256(v2));
    expect(ok.body.history.map((h: { action: string }) => h.action)).to.deep.equal(['created', 'version_added']);
    await auditor.get(`/api/v1/evidence/${created.body.id}/versions/3/download`).expect(404);
  });

  it('serves byte ranges', async () => {
    const file = pdf('range test '.repeat(50));
    const created = await upload(consultant, file, 'range.pdf', { kind: 'document' }).expect(201);
    const part = await auditor.get(`/api/v1/evidence/${created.body.id}/download`).set('Range', 'bytes=5-14').buffer(true).parse(binary).expect(206);
    expect(part.headers['content-range']).to.equal(`bytes 5-14/${file.length}`);
    expect(Buffer.compare(part.body, file.subarray(5, 15))).to.equal(0);
    const tail = await auditor.get(`/api/v1/evidence/${created.body.id}/download`).set('Range', 'bytes=-6').buffer(true).parse(binary).expect(206);
    expect(tail.body.toString()).to.equal('%%EOF\n');
    await auditor.get(`/api/v1/evidence/${created.body.id}/download`).set('Range', `bytes=${file.length + 10}-`).expect(416);
  });

  it('detects a flipped byte on download (500 evidence_corrupted, no bytes) and in `dengbao evidence verify`', async () => {
    const file = png(5);
    const created = await upload(consultant, file, 'tamper.png').expect(201);
    const good = await runCli(['evidence', 'verify'], { DATA_DIR: ctx.db.dataDir, DATABASE_URL: ctx.db.database.url });
    expect(good.code, good.stderr).to.equal(0);
    const p = blobPath(orgs.citybrain, sha256(file));
    const bytes = readFileSync(p);
    bytes[bytes.length - 5]! ^= 0x01;
    writeFileSync(p, bytes);
    const res = await auditor.get(`/api/v1/evidence/${created.body.id}/download`).expect(500);
    expect(res.body.error.code).to.equal('evidence_corrupted');
    expect(res.headers['content-type']).to.match(/json/);
    const bad = await runCli(['evidence', 'verify'], { DATA_DIR: ctx.db.dataDir, DATABASE_URL: ctx.db.database.url });
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.contain(`CORRUPTED: organisation ${orgs.citybrain} file ${sha256(file)} (evidence ${created.body.id})`);
    writeFileSync(p, file); // restore for the rest of the suite
  });

  it('rejects oversize files with 413, before reading a declared body, and leaves nothing behind', async () => {
    const before = await count('evidence');
    const big = Buffer.concat([pdf(), Buffer.alloc(2 * 1024 * 1024, 0x20)]);
    const res = await upload(consultant, big, 'big.pdf').expect(413);
    expect(res.body.error.code).to.equal('file_too_large');
    expect(await count('evidence')).to.equal(before);
    expect(tmpFiles()).to.deep.equal([]);
  });

  it('refuses a chunked upload that grows past the limit while streaming', async () => {
    const server = app.listen(0);
    try {
      const port = (server.address() as AddressInfo).port;
      const cookie = (await ctx.db.knex('sessions').count({ n: '*' }).first()) && (await loginCookie());
      const boundary = 'xBOUNDARYx';
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request({ port, method: 'POST', path: '/api/v1/evidence', headers: { cookie, 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' } }, (res) => {
          res.resume();
          resolve(res.statusCode!);
        });
        req.on('error', reject);
        req.write(`--${boundary}\r\ncontent-disposition: form-data; name="title"\r\n\r\nBig\r\n--${boundary}\r\ncontent-disposition: form-data; name="kind"\r\n\r\nother\r\n`);
        req.write(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="big.pdf"\r\ncontent-type: application/pdf\r\n\r\n`);
        req.write(pdf());
        const chunk = Buffer.alloc(256 * 1024, 0x20);
        let sent = 0;
        const pump = () => {
          while (sent < 12) {
            sent++;
            if (!req.write(chunk)) return req.once('drain', pump);
          }
          req.end(`\r\n--${boundary}--\r\n`);
        };
        pump();
      });
      expect(status).to.equal(413);
      await new Promise((r) => setTimeout(r, 100));
      expect(tmpFiles()).to.deep.equal([]);
    } finally {
      server.close();
    }
  });

  async function loginCookie(): Promise<string> {
    const res = await supertest(app).post('/api/v1/auth/login').send({ username: 'consultant', password: 'Dengbao#2026' });
    return String(res.headers['set-cookie']).split(';')[0]!;
  }

  it('registers nothing and leaves no file when an upload is cut off mid-stream', async () => {
    const before = await count('evidence');
    const blobsBefore = await count('evidence_blobs');
    const server = app.listen(0);
    try {
      const port = (server.address() as AddressInfo).port;
      const cookie = await loginCookie();
      const boundary = 'cutBOUNDARY';
      await new Promise<void>((resolve) => {
        const req = http.request({ port, method: 'POST', path: '/api/v1/evidence', headers: { cookie, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(500_000) } });
        req.on('error', () => resolve());
        req.write(`--${boundary}\r\ncontent-disposition: form-data; name="title"\r\n\r\nCut\r\n--${boundary}\r\ncontent-disposition: form-data; name="kind"\r\n\r\nother\r\n`);
        req.write(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="cut.pdf"\r\n\r\n`);
        req.write(Buffer.concat([pdf(), Buffer.alloc(100_000, 0x41)]), () => {
          setTimeout(() => {
            req.destroy();
            resolve();
          }, 100);
        });
      });
      await new Promise((r) => setTimeout(r, 200));
      expect(await count('evidence')).to.equal(before);
      expect(await count('evidence_blobs')).to.equal(blobsBefore);
      expect(tmpFiles()).to.deep.equal([]);
    } finally {
      server.close();
    }
  });

  it('rejects a type outside the allow-list with 415 and an empty file with 400', async () => {
    const before = await count('evidence');
    const exe = await upload(consultant, elf(), 'tool.png').expect(415);
    expect(exe.body.error.code).to.equal('unsupported_media_type');
    const empty = await upload(consultant, Buffer.alloc(0), 'empty.txt').expect(400);
    expect(empty.body.error.code).to.equal('empty_file');
    const none = await upload(consultant, null, '').expect(400);
    expect(none.body.error.details.map((d: { path: string }) => d.path)).to.include('file');
    const badMeta = await upload(consultant, png(6), 'x.png', { kind: 'selfie', validUntil: '2026-02-30' }).expect(400);
    expect(badMeta.body.error.details.map((d: { path: string }) => d.path)).to.have.members(['kind', 'validUntil']);
    expect(await count('evidence')).to.equal(before);
    expect(tmpFiles()).to.deep.equal([]);
  });

  it('stores hostile file names safely and shows them sanitised', async () => {
    const names: Array<[string, string]> = [
      ['../../etc/passwd.png', 'passwd.png'],
      ['C:\\Windows\\evil.png', 'evil.png'],
      ['a:b|c?.png', 'a_b_c_.png'],
      ['..', 'evidence'],
    ];
    for (const [given, shown] of names) {
      const res = await upload(consultant, png(given.length + 100), given).expect(201);
      expect(res.body.currentVersion.originalName).to.equal(shown);
    }
    const long = await upload(consultant, png(7), `${'长'.repeat(300)}.png`).expect(201);
    expect(long.body.currentVersion.originalName).to.have.length(200);
    expect(long.body.currentVersion.originalName.endsWith('.png')).to.equal(true);
    // A control character in the part header is a malformed request: 400, nothing stored.
    const before = await count('evidence');
    const nul = await upload(consultant, png(21), 'a\u0000b.png').expect(400);
    expect(nul.body.error.details[0].code).to.equal('invalid_multipart');
    expect(await count('evidence')).to.equal(before);
    expect(tmpFiles()).to.deep.equal([]);
    // Nothing was written outside the evidence tree.
    expect(readdirSync(evidenceDir()).sort()).to.deep.equal([orgs.bank, orgs.citybrain, 'tmp'].sort());
  });

  it('isolates organisations: another organisation’s evidence is 404 everywhere', async () => {
    const file = png(8);
    const mine = await upload(consultant, file, 'secret.png', { title: 'City-brain secret' }).expect(201);
    await officer2.get(`/api/v1/evidence/${mine.body.id}`).expect(404);
    await officer2.get(`/api/v1/evidence/${mine.body.id}/download`).expect(404);
    await officer2.get(`/api/v1/evidence/${mine.body.id}/versions/1/download`).expect(404);
    await officer2.patch(`/api/v1/evidence/${mine.body.id}`).send({ title: 'x' }).expect(404);
    await officer2.post(`/api/v1/evidence/${mine.body.id}/versions`).attach('file', png(9), 'x.png').expect(404);
    const list = await officer2.get(`/api/v1/evidence?q=${sha256(file)}&pageSize=200`).expect(200);
    expect(list.body.data.map((e: { id: string }) => e.id)).not.to.include(mine.body.id);
    const all = await officer2.get('/api/v1/evidence?pageSize=200').expect(200);
    expect(all.body.data.every((e: { organizationId: string }) => e.organizationId === orgs.bank)).to.equal(true);
    await upload(officer2, png(10), 'x.png', {}, `/api/v1/evidence?organizationId=${orgs.citybrain}`).expect(404);
  });

  it('lets auditors read and download but not upload, edit or delete', async () => {
    const res = await upload(auditor, png(11), 'a.png').expect(403);
    expect(res.body.error.code).to.equal('forbidden');
    expect(tmpFiles()).to.deep.equal([]);
    const e = await upload(consultant, png(12), 'b.png').expect(201);
    await auditor.patch(`/api/v1/evidence/${e.body.id}`).send({ title: 'x' }).expect(403);
    await auditor.delete(`/api/v1/evidence/${e.body.id}`).send({ reason: 'not needed' }).expect(403);
    await auditor.get(`/api/v1/evidence/${e.body.id}`).expect(200);
  });

  it('soft-deletes only by an officer with a reason; the file and history stay', async () => {
    const e = await upload(consultant, png(13), 'old.png', { title: 'Outdated topology' }).expect(201);
    await consultant.delete(`/api/v1/evidence/${e.body.id}`).send({ reason: 'superseded by v2 topology' }).expect(403);
    const noReason = await officer.delete(`/api/v1/evidence/${e.body.id}`).send({}).expect(400);
    expect(noReason.body.error.details[0].path).to.equal('reason');
    const del = await officer.delete(`/api/v1/evidence/${e.body.id}`).send({ reason: 'superseded by v2 topology' }).expect(200);
    expect(del.body.deleted).to.include({ reason: 'superseded by v2 topology' });
    expect(del.body.history.at(-1)).to.deep.include({ action: 'deleted', details: { reason: 'superseded by v2 topology' } });
    const list = await auditor.get('/api/v1/evidence?pageSize=200').expect(200);
    expect(list.body.data.map((x: { id: string }) => x.id)).not.to.include(e.body.id);
    const withDeleted = await auditor.get('/api/v1/evidence?pageSize=200&includeDeleted=true').expect(200);
    expect(withDeleted.body.data.map((x: { id: string }) => x.id)).to.include(e.body.id);
    await auditor.get(`/api/v1/evidence/${e.body.id}/download`).expect(200);
    await consultant.post(`/api/v1/evidence/${e.body.id}/versions`).attach('file', png(14), 'new.png').expect(409);
  });

  it('edits metadata with a history entry and filters the list', async () => {
    const e = await upload(consultant, png(15), 'scan.png', { title: 'Vulnerability scan Q3', kind: 'scan_report', tags: 'scan,quarterly' }).expect(201);
    const patched = await consultant.patch(`/api/v1/evidence/${e.body.id}`).send({ title: 'Vulnerability scan 2026 Q3', tags: ['scan'] }).expect(200);
    expect(patched.body.title).to.equal('Vulnerability scan 2026 Q3');
    expect(patched.body.history.at(-1)).to.deep.include({ action: 'metadata_updated', details: { before: { title: 'Vulnerability scan Q3', tags: ['quarterly', 'scan'] } } });
    const byKind = await auditor.get('/api/v1/evidence?kind=scan_report').expect(200);
    // The demo's scan import keeps its raw scanner file as scan_report evidence too.
    expect(byKind.body.data.map((x: { id: string }) => x.id)).to.include(e.body.id);
    expect(byKind.body.data.map((x: { kind: string }) => x.kind)).to.deep.equal(byKind.body.data.map(() => 'scan_report'));
    expect(byKind.body.data.filter((x: { tags: string[] }) => !x.tags.includes('vulnerability-scan')).map((x: { id: string }) => x.id)).to.deep.equal([e.body.id]);
    const byTag = await auditor.get('/api/v1/evidence?tag=scan').expect(200);
    expect(byTag.body.meta.total).to.equal(1);
    const byQ = await auditor.get(`/api/v1/evidence?q=${encodeURIComponent('scan 2026')}`).expect(200);
    expect(byQ.body.data.map((x: { id: string }) => x.id)).to.deep.equal([e.body.id]);
    await consultant.patch(`/api/v1/evidence/${e.body.id}`).send({ kind: 'photo' }).expect(400);
  });

  it('flags expired evidence and lists expiring evidence and open requests in deadlines', async () => {
    const today = todayInChina();
    const expired = await upload(consultant, png(16), 'cert.png', { title: 'Expired certificate', kind: 'certificate', validUntil: addDays(today, -1) }).expect(201);
    expect(expired.body.expired).to.equal(true);
    const soon = await upload(consultant, png(17), 'soon.png', { title: 'Expiring scan', validUntil: addDays(today, 10) }).expect(201);
    const later = await upload(consultant, png(18), 'later.png', { title: 'Valid long', validUntil: addDays(today, 60) }).expect(201);
    const flagged = await auditor.get('/api/v1/evidence?expired=true').expect(200);
    expect(flagged.body.data.map((x: { id: string }) => x.id)).to.deep.equal([expired.body.id]);

    const request = await consultant
      .post('/api/v1/evidence-requests')
      .send({ organizationId: orgs.citybrain, title: 'Bastion host audit log export', requestedFrom: '运维部 张工', dueDate: addDays(today, 5) })
      .expect(201);
    const deadlines = await auditor.get('/api/v1/deadlines?within=30').expect(200);
    const subjects = deadlines.body.data.map((d: { subject: { id: string } }) => d.subject.id);
    expect(subjects).to.include.members([expired.body.id, soon.body.id, request.body.id]);
    expect(subjects).not.to.include(later.body.id);
    const overdue = deadlines.body.data.find((d: { subject: { id: string } }) => d.subject.id === expired.body.id);
    expect(overdue).to.include({ type: 'evidence_expiry', overdue: true, daysLeft: -1 });
    expect(overdue.rule.en).to.be.a('string');
    const bank = await officer2.get('/api/v1/deadlines?within=365').expect(200);
    expect(bank.body.data.map((d: { organizationId: string }) => d.organizationId)).not.to.include(orgs.citybrain);

    // Fulfilling the request by uploading against it.
    const fulfilled = await upload(consultant, png(19), 'audit.png', { title: 'Bastion audit log', kind: 'log_excerpt', requestId: request.body.id }).expect(201);
    expect(fulfilled.body.history.map((h: { action: string }) => h.action)).to.deep.equal(['created', 'request_fulfilled']);
    const requests = await auditor.get('/api/v1/evidence-requests?status=fulfilled').expect(200);
    expect(requests.body.data[0]).to.include({ id: request.body.id, status: 'fulfilled', fulfilledEvidenceId: fulfilled.body.id });
    await upload(consultant, png(20), 'again.png', { requestId: request.body.id }).expect(409);
    await auditor.post('/api/v1/evidence-requests').send({ organizationId: orgs.citybrain, title: 'x', requestedFrom: 'y', dueDate: today }).expect(403);
  });
});
