import { expect } from 'chai';
import type { Express } from 'express';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import supertest from 'supertest';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { EvidencePackService } from '../../reports/pack/build.js';
import { verifyPack } from '../../reports/pack/verify.js';
import type { PackManifest } from '../../reports/pack/manifest.js';
import { loadCaller } from '../../server/services/callers.js';
import { FsBlobStore } from '../../server/storage/fs-blob-store.js';
import { packageVersion } from '../../server/version.js';
import { createTestApp, demoOrganizations, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { binary } from '../utils/http.js';
import { pdf, png } from '../utils/files.js';
import { allPages } from '../utils/pages.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');


/** Every entry of a ZIP, in archive order. */
async function unzip(buf: Buffer): Promise<Map<string, Buffer>> {
  const zip = await yauzl.fromBufferPromise(buf);
  const out = new Map<string, Buffer>();
  for await (const entry of zip.eachEntry()) {
    const chunks: Buffer[] = [];
    for await (const c of (await zip.openReadStreamPromise(entry)) as AsyncIterable<Buffer>) chunks.push(c);
    out.set(entry.fileName, Buffer.concat(chunks));
  }
  return out;
}

/** Writes a ZIP of the given entries (to build altered copies of a pack). */
async function rezip(entries: Map<string, Buffer>, file: string): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const [name, data] of entries) zip.addBuffer(data, name);
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(file));
  return file;
}

describeEachEngine('evidence pack', (ctx) => {
  let app: Express;
  let officer: Agent, consultant: Agent, auditor: Agent, officer2: Agent;
  let orgs: { citybrain: string; bank: string };
  let demo: { id: string; systemId: string; reportNumber: string };
  let tmp: string;
  const added: { system?: string; twoVersions?: string; deleted?: string; unlinked?: string; twoVersionsHash?: string } = {};
  const url = () => `/api/v1/assessments/${demo.id}/evidence-pack.zip`;
  const download = (agent: Agent) => agent.get(url()).buffer(true).parse(binary);
  const blobPath = (hash: string) => path.join(ctx.db.dataDir, 'evidence', orgs.citybrain, hash.slice(0, 2), hash.slice(2, 4), hash);

  function upload(agent: Agent, file: Buffer, name: string, title: string) {
    return agent.post('/api/v1/evidence').field('title', title).field('kind', 'document').attach('file', file, name).expect(201);
  }

  before(async () => {
    app = await createTestApp(ctx.db);
    officer = await signIn(app, 'officer');
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
    officer2 = await signIn(app, 'officer2');
    orgs = await demoOrganizations(ctx.db);
    [demo] = (await auditor.get('/api/v1/assessments?status=in_progress')).body.data.filter((x: { kind: string }) => x.kind === 'formal_test');
    tmp = mkdtempSync(path.join(tmpdir(), 'dengbao-pack-'));

    // Besides the demo's three files: one on the system (a title to escape), one on a finding in
    // its second version, one deleted (left out) and one linked to nothing here (left out).
    const findings = (await auditor.get(`/api/v1/assessments/${demo.id}/findings`).expect(200)).body.data;
    const results = (await allPages(auditor, `/api/v1/assessments/${demo.id}/results`));
    const sys = await upload(consultant, png(41), '网络 拓扑图.png', '<script>alert(1)</script> 网络拓扑 & 边界');
    await consultant.post(`/api/v1/evidence/${sys.body.id}/links`).send({ targetType: 'system', targetId: demo.systemId }).expect(201);
    const two = await upload(consultant, pdf('weak passwords v1'), 'password-audit.pdf', '口令核查报告');
    const v2 = pdf('weak passwords v2');
    await consultant.post(`/api/v1/evidence/${two.body.id}/versions`).field('note', 'rescan').attach('file', v2, 'password-audit-2.pdf').expect(201);
    await consultant.post(`/api/v1/evidence/${two.body.id}/links`).send({ targetType: 'finding', targetId: findings[0].id }).expect(201);
    const gone = await upload(consultant, png(42), 'old.png', 'Outdated');
    await consultant.post(`/api/v1/evidence/${gone.body.id}/links`).send({ targetType: 'assessment_result', targetId: results[0].id }).expect(201);
    await officer.delete(`/api/v1/evidence/${gone.body.id}`).send({ reason: 'superseded by a newer export' }).expect(200);
    const loose = await upload(consultant, png(43), 'loose.png', 'Not linked');
    Object.assign(added, { system: sys.body.id, twoVersions: two.body.id, twoVersionsHash: sha256(v2), deleted: gone.body.id, unlinked: loose.body.id });
  });

  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('builds a pack on the queue that verifies and archives it; the manifest lists each current version with its stored hash', async () => {
    const res = await download(consultant).expect(200);
    expect(res.headers['content-type']).to.equal('application/zip');
    expect(res.headers['content-disposition']).to.contain(`evidence-pack-${demo.reportNumber}.zip`);
    // Built by the job into the store, then sent from there: its archive row holds the hash of what was sent.
    expect(res.headers['content-length']).to.equal(String(res.body.length));
    const archived = await ctx.db.knex('reports').where({ assessment_id: demo.id, type: 'evidence_pack', hash: sha256(res.body) }).first();
    expect(archived, 'the pack is archived').to.include({ status: 'done', format: 'zip', media_type: 'application/zip', file_name: `evidence-pack-${demo.reportNumber}.zip` });
    const file = path.join(tmp, 'pack.zip');
    writeFileSync(file, res.body);
    const check = await verifyPack(file);
    expect(check).to.deep.equal({ ok: true, problems: [], files: 5 });

    const entries = await unzip(res.body);
    expect([...entries.keys()].slice(-3)).to.deep.equal(['index.html', 'manifest.json', 'manifest.sha256']);
    const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as PackManifest;
    expect(manifest.generator).to.deep.equal({ name: 'dengbao', version: packageVersion() });
    expect(manifest.assessment).to.deep.include({ id: demo.id, revision: 1, reportNumber: demo.reportNumber, level: 3 });
    expect(manifest.assessment.organization.name).to.equal('示例市城市大脑运营中心');
    expect(manifest.assessment.system.id).to.equal(demo.systemId);
    expect(manifest.summary.conclusion).to.include({ conclusion: 'basic', provisional: true });
    expect(manifest.summary.overallRate).to.be.closeTo(188 / 232, 1e-9);
    expect(manifest.summary.conclusion.rule.zh).to.contain('符合率');
    expect(manifest.files).to.have.length(5);

    const ids = manifest.files.map((f) => f.evidenceId);
    expect(ids).to.include.members([added.system, added.twoVersions]);
    expect(ids).not.to.include.members([added.deleted, added.unlinked]);
    for (const f of manifest.files) {
      const ev = (await auditor.get(`/api/v1/evidence/${f.evidenceId}`).expect(200)).body;
      expect(f).to.deep.include({ sha256: ev.currentVersion.hash, size: ev.currentVersion.size, version: ev.currentVersion.version, title: ev.title, mediaType: ev.currentVersion.mediaType });
      expect(f.path).to.equal(`evidence/${ev.id}-v${ev.currentVersion.version}-${ev.currentVersion.originalName}`);
      expect(sha256(entries.get(f.path)!)).to.equal(f.sha256);
    }
    const two = manifest.files.find((f) => f.evidenceId === added.twoVersions)!;
    expect(two).to.deep.include({ version: 2, sha256: added.twoVersionsHash, linkedFindings: ['T001'] });
    const fw = manifest.files.find((f) => f.originalName === 'fw-policy.csv')!;
    expect(fw.linkedUnits).to.deep.equal(['L3-ABS1-05']);
    expect(fw.links).to.deep.equal([{ type: 'assessment_result', unit: 'L3-ABS1-05', object: null }]);
    const verifications = manifest.files.filter((f) => f.links.some((l) => l.type === 'remediation_verification'));
    expect(verifications).to.have.length(2);
    expect(verifications.every((f) => f.linkedFindings.length === 1 && /^T\d{3}$/.test(f.linkedFindings[0]!))).to.equal(true);
    expect(manifest.files.find((f) => f.evidenceId === added.system)!.links).to.deep.equal([{ type: 'system' }]);
    const sums = entries.get('manifest.sha256')!.toString('utf8');
    expect(sums).to.contain(`${sha256(entries.get('manifest.json')!)}  manifest.json`);
    expect(sums).to.contain(`${sha256(entries.get('index.html')!)}  index.html`);
  });

  it('index.html is self-contained, escapes user text and links results and findings to their files', async () => {
    const entries = await unzip((await download(auditor).expect(200)).body);
    const html = entries.get('index.html')!.toString('utf8');
    const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as PackManifest;
    const fw = manifest.files.find((f) => f.originalName === 'fw-policy.csv')!;
    expect(html).to.contain('L3-ABS1-05');
    expect(html).to.contain(`href="${fw.path}"`);
    // The result row of L3-ABS1-05 links its file.
    const unit = html.slice(html.indexOf('id="unit-L3-ABS1-05"'));
    expect(unit.slice(0, unit.indexOf('</table>'))).to.contain(`href="${fw.path}"`);
    const sys = manifest.files.find((f) => f.evidenceId === added.system)!;
    expect(sys.path).to.match(/-v1-网络 拓扑图\.png$/);
    expect(html).to.contain(`href="${sys.path.split('/').map(encodeURIComponent).join('/')}"`);
    expect(html).to.contain('&lt;script&gt;alert(1)&lt;/script&gt; 网络拓扑 &amp; 边界');
    expect(html).not.to.match(/<script|<link|src=|https?:\/\//i);
    expect(html).to.contain(demo.reportNumber);
    expect(html).to.contain('部分服务器存在弱口令');
    expect(html).to.contain('基本符合');
  });

  it('verifyPack names a changed byte, a missing entry, an extra entry and an unreadable manifest', async () => {
    const entries = await unzip((await download(consultant).expect(200)).body);
    const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as PackManifest;
    const target = manifest.files[0]!.path;

    const flipped = new Map(entries);
    const bytes = Buffer.from(entries.get(target)!);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x01;
    flipped.set(target, bytes);
    const a = await verifyPack(await rezip(flipped, path.join(tmp, 'flipped.zip')));
    expect(a.ok).to.equal(false);
    expect(a.files).to.equal(5);
    expect(a.problems).to.have.length(1);
    expect(a.problems[0]).to.match(new RegExp(`^hash mismatch: ${target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `));

    const missing = new Map(entries);
    missing.delete(target);
    const b = await verifyPack(await rezip(missing, path.join(tmp, 'missing.zip')));
    expect(b).to.deep.equal({ ok: false, problems: [`missing: ${target}`], files: 5 });

    const extra = new Map(entries).set('evidence/smuggled.txt', Buffer.from('not listed'));
    const c = await verifyPack(await rezip(extra, path.join(tmp, 'extra.zip')));
    expect(c.problems).to.deep.equal(['not in the manifest: evidence/smuggled.txt']);

    const longer = new Map(entries).set(target, Buffer.concat([entries.get(target)!, Buffer.from('x')]));
    const d = await verifyPack(await rezip(longer, path.join(tmp, 'longer.zip')));
    expect(d.problems).to.have.length(1);
    expect(d.problems[0]).to.contain(`size mismatch: ${target}`);

    const badManifest = new Map(entries).set('manifest.json', Buffer.from('{ not json'));
    const e = await verifyPack(await rezip(badManifest, path.join(tmp, 'bad-manifest.zip')));
    expect(e.ok).to.equal(false);
    expect(e.problems.some((p) => p.startsWith('unreadable manifest:'))).to.equal(true);
    expect(e.problems.some((p) => p.startsWith('hash mismatch: manifest.json '))).to.equal(true);

    const editedIndex = new Map(entries).set('index.html', Buffer.from('<p>edited</p>'));
    const f = await verifyPack(await rezip(editedIndex, path.join(tmp, 'index.zip')));
    expect(f.problems).to.have.length(1);
    expect(f.problems[0]).to.match(/^hash mismatch: index\.html /);

    const notZip = path.join(tmp, 'not.zip');
    writeFileSync(notZip, 'plain text');
    const g = await verifyPack(notZip);
    expect(g.ok).to.equal(false);
    expect(g.problems[0]).to.match(/^unreadable archive:/);
  });

  it('refuses to build the pack when a stored file is corrupted or missing (500 evidence_corrupted, no zip bytes)', async () => {
    const ev = (await auditor.get(`/api/v1/evidence/${added.twoVersions}`).expect(200)).body;
    const p = blobPath(ev.currentVersion.hash);
    const original = readFileSync(p);
    try {
      const bytes = Buffer.from(original);
      bytes[bytes.length - 3]! ^= 0x01;
      writeFileSync(p, bytes);
      const res = await auditor.get(url()).expect(500);
      expect(res.headers['content-type']).to.match(/json/);
      expect(res.headers['content-disposition']).to.equal(undefined);
      expect(res.body.error.code).to.equal('evidence_corrupted');
      expect(res.body.error.details).to.have.length(1);
      expect(res.body.error.details[0]).to.include({ code: 'corrupted', evidenceId: added.twoVersions, version: 2 });

      renameSync(p, `${p}.away`);
      const gone = await auditor.get(url()).expect(500);
      expect(gone.body.error.code).to.equal('evidence_corrupted');
      expect(gone.body.error.details[0]).to.include({ code: 'missing', evidenceId: added.twoVersions });
      renameSync(`${p}.away`, p);
    } finally {
      writeFileSync(p, original);
    }
    await download(auditor).expect(200);
  });

  it('POST queues the pack (202 + Location), the job row shows its progress, and the archived file downloads', async function () {
    this.timeout(120_000);
    const queued = await auditor.post(`/api/v1/assessments/${demo.id}/evidence-pack`).send({}).expect(202);
    expect(queued.headers.location).to.equal(`/api/v1/reports/${queued.body.id}`);
    expect(queued.body).to.include({ type: 'evidence_pack', format: 'zip', status: 'queued', progress: 0 });
    let job = queued.body;
    for (const until = Date.now() + 100_000; job.status !== 'done' && job.status !== 'failed' && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 200));
      job = (await auditor.get(queued.headers.location!).expect(200)).body;
    }
    expect(job).to.include({ status: 'done', progress: 100, mediaType: 'application/zip' });
    const file = await auditor.get(`${queued.headers.location!}/download`).buffer(true).parse(binary).expect(200);
    expect(sha256(file.body)).to.equal(job.sha256);
    expect(file.body.length).to.equal(job.size);
    const check = path.join(tmp, 'queued.zip');
    writeFileSync(check, file.body);
    expect((await verifyPack(check)).ok).to.equal(true);
    // Another organisation cannot queue it; an unknown body field is refused.
    await officer2.post(`/api/v1/assessments/${demo.id}/evidence-pack`).send({}).expect(404);
    await auditor.post(`/api/v1/assessments/${demo.id}/evidence-pack`).send({ extra: 1 }).expect(400);
    // Prefer: respond-async makes the old GET answer 202 at once with the job to poll.
    const early = await auditor.get(url()).set('Prefer', 'respond-async').expect(202);
    expect(early.headers.location).to.equal(`/api/v1/reports/${early.body.id}`);
  });

  it('needs the download permission in the organisation: another organisation gets 404, auditors may download', async () => {
    const other = await officer2.get(url()).expect(404);
    expect(other.body.error.code).to.equal('not_found');
    await supertest(app).get(url()).expect(401);
    await officer2.get(`/api/v1/assessments/00000000-0000-4000-8000-000000000000/evidence-pack.zip`).expect(404);
    await auditor.get('/api/v1/assessments/not-a-uuid/evidence-pack.zip').expect(400);
    const res = await download(auditor).expect(200);
    const check = path.join(tmp, 'auditor.zip');
    writeFileSync(check, res.body);
    expect((await verifyPack(check)).ok).to.equal(true);
  });

  describe('builder (service level)', () => {
    const service = async (store: FsBlobStore) => {
      const user = await ctx.db.knex('users').where({ username: 'auditor' }).first();
      return new EvidencePackService({ knex: ctx.db.knex, caller: (await loadCaller(ctx.db.knex, user.id, 'session'))! }, store);
    };
    const collect = async (pack: { write(out: PassThrough): Promise<unknown> }) => {
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      await pack.write(out);
      return Buffer.concat(chunks);
    };

    it('adds extra files (the report hook) under their path, hashed and listed with no evidence record', async () => {
      const report = pdf('test report');
      const pack = await (await service(new FsBlobStore(path.join(ctx.db.dataDir, 'evidence')))).prepare(demo.id, {
        extraFiles: [{ path: 'report/test-report.pdf', open: () => Readable.from([report]), size: report.length, title: '测评报告', mediaType: 'application/pdf' }],
      });
      expect(pack.fileCount).to.equal(6);
      const zip = await collect(pack);
      const file = path.join(tmp, 'with-report.zip');
      writeFileSync(file, zip);
      expect(await verifyPack(file)).to.deep.equal({ ok: true, problems: [], files: 6 });
      const manifest = JSON.parse((await unzip(zip)).get('manifest.json')!.toString('utf8')) as PackManifest;
      expect(manifest.files.at(-1)).to.deep.include({ path: 'report/test-report.pdf', sha256: sha256(report), size: report.length, evidenceId: null, title: '测评报告' });
      const svc = await service(new FsBlobStore(path.join(ctx.db.dataDir, 'evidence')));
      for (const bad of ['../x.pdf', '/abs.pdf', 'manifest.json', 'report//x.pdf']) {
        let failed = false;
        await svc.prepare(demo.id, { extraFiles: [{ path: bad, open: () => Readable.from([report]) }] }).catch(() => (failed = true));
        expect(failed, bad).to.equal(true);
      }
    });

    it('aborts the stream when a file no longer matches its hash once streaming has started', async () => {
      // A store whose files pass the check, then change before they are read.
      class ChangingStore extends FsBlobStore {
        override open(namespace: string, hash: string) {
          return Readable.from([Buffer.concat([readFileSync(this.pathOf(namespace, hash)).subarray(1), Buffer.from('!')])]);
        }
      }
      const pack = await (await service(new ChangingStore(path.join(ctx.db.dataDir, 'evidence')))).prepare(demo.id);
      let error: Error | undefined;
      await collect(pack).catch((err: Error) => (error = err));
      expect((error as { code?: string } | undefined)?.code).to.equal('evidence_corrupted');
    });
  });
});
