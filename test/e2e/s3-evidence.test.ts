import { auditSettled } from '../../server/audit/middleware.js';
import { expect } from 'chai';
import type { Express } from 'express';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BackupManifest } from '../../server/backup/manifest.js';
import { parseConfig, type EvidenceStoreConfig } from '../../server/config.js';
import { createDatabase } from '../../server/database/index.js';
import { verifyStoredFiles } from '../../server/evidence/verify.js';
import { createLogger } from '../../server/logger.js';
import { createApp } from '../../server/app.js';
import { createBlobStore } from '../../server/storage/index.js';
import { registeredBlobs } from '../../server/storage/registry.js';
import type { S3BlobStore } from '../../server/storage/s3-blob-store.js';
import { createTestApp, demoOrganizations, signIn, testConfig, type Agent } from '../utils/app.js';
import { createTestDatabase, type TestDatabase } from '../utils/database.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { binary } from '../utils/http.js';
import { pdf, png } from '../utils/files.js';
import { runCli, startServer, stopServer } from '../utils/process.js';
import { cookieFor } from '../utils/raw-http.js';
import { archivedReport } from '../utils/reports.js';
import { getObject, listKeys, putObject, startS3Server, useS3Credentials, type S3TestServer } from '../utils/s3.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const hasTool = (tool: string) => {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

// Issue 16 item 4: evidence and report files in an S3-compatible bucket (EVIDENCE_STORE=s3://…),
// tested end to end against s3rver through the HTTP API and the CLI.
describeEachEngine('evidence in an S3 bucket (EVIDENCE_STORE=s3://…, s3rver)', (ctx) => {
  let s3: S3TestServer;
  let app: Express;
  let consultant: Agent, auditor: Agent;
  let orgs: { citybrain: string; bank: string };
  let prefix: string;
  let store: S3BlobStore;
  const storeOf = (p: string): EvidenceStoreConfig => ({ kind: 's3', bucket: s3.bucket, prefix: p, endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true });
  const env = (db: TestDatabase = ctx.db, p = prefix) => ({ DATA_DIR: db.dataDir, DATABASE_URL: db.database.url, ...s3.envFor(p) });
  const keyOf = (org: string, hash: string) => store.keyOf(org, hash);
  const upload = (agent: Agent, file: Buffer, name: string, title = 'Firewall policy') =>
    agent.post('/api/v1/evidence').field('title', title).field('kind', 'screenshot').attach('file', file, name);
  const tmp = mkdtempSync(path.join(tmpdir(), 'dengbao-s3-e2e-'));
  const targets: TestDatabase[] = [];

  before(async function () {
    this.timeout(120_000);
    useS3Credentials();
    s3 = await startS3Server();
    prefix = `${ctx.engine}-${randomBytes(4).toString('hex')}/evidence`;
    app = await createTestApp(ctx.db, { evidenceStore: storeOf(prefix) });
    store = createBlobStore({ dataDir: ctx.db.dataDir, evidenceStore: storeOf(prefix) }) as S3BlobStore;
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
    orgs = await demoOrganizations(ctx.db);
  });
  after(async () => {
    for (const t of targets) await t.drop().catch(() => undefined);
    store?.destroy();
    await s3?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('uploads into the bucket under <prefix>/<organisation>/<aa>/<bb>/<sha256> and downloads byte for byte, and by range', async () => {
    const file = png(160_001);
    const res = await upload(consultant, file, 'boundary.png').expect(201);
    expect(res.body.currentVersion.hash).to.equal(sha256(file));
    const key = keyOf(orgs.citybrain, sha256(file));
    expect(key).to.equal(`${prefix}/${orgs.citybrain}/${sha256(file).slice(0, 2)}/${sha256(file).slice(2, 4)}/${sha256(file)}`);
    expect(Buffer.compare(await getObject(s3.client, s3.bucket, key), file)).to.equal(0);
    // Nothing stored on the local disk: a second machine with the same bucket serves it.
    expect(existsSync(path.join(ctx.db.dataDir, 'evidence', orgs.citybrain))).to.equal(false);
    expect(readdirSync(path.join(ctx.db.dataDir, 'upload-tmp'))).to.deep.equal([]);

    const dl = await auditor.get(`/api/v1/evidence/${res.body.id}/download`).buffer(true).parse(binary).expect(200);
    expect(Buffer.compare(dl.body, file)).to.equal(0);
    const part = await auditor.get(`/api/v1/evidence/${res.body.id}/download`).set('Range', 'bytes=10-29').buffer(true).parse(binary).expect(206);
    expect(part.headers['content-range']).to.equal(`bytes 10-29/${file.length}`);
    expect(Buffer.compare(part.body, file.subarray(10, 30))).to.equal(0);
    const tail = await auditor.get(`/api/v1/evidence/${res.body.id}/download`).set('Range', 'bytes=-7').buffer(true).parse(binary).expect(206);
    expect(Buffer.compare(tail.body, file.subarray(file.length - 7))).to.equal(0);
  });

  it('a tampered object in the bucket is refused on download (500 evidence_corrupted) and named by `evidence verify`', async function () {
    this.timeout(120_000);
    const file = png(160_002);
    const created = await upload(consultant, file, 'tamper.png').expect(201);
    const good = await runCli(['evidence', 'verify'], env());
    expect(good.code, good.stderr).to.equal(0);
    expect(good.stderr).to.equal('');

    const key = keyOf(orgs.citybrain, sha256(file));
    const bytes = Buffer.from(file);
    bytes[bytes.length - 5]! ^= 0x01;
    await putObject(s3.client, s3.bucket, key, bytes); // straight into the bucket, as someone with bucket access could
    try {
      const res = await auditor.get(`/api/v1/evidence/${created.body.id}/download`).expect(500);
      expect(res.headers['content-type']).to.match(/json/);
      expect(res.body.error.code).to.equal('evidence_corrupted');
      const bad = await runCli(['evidence', 'verify'], env());
      expect(bad.code).to.equal(1);
      expect(bad.stderr).to.contain(`CORRUPTED: organisation ${orgs.citybrain} file ${sha256(file)} (evidence ${created.body.id})`);

      // Write-once: uploading the same content again does not rewrite the object (the record is
      // created, the stored bytes stay the ones found there).
      await upload(consultant, file, 'again.png', 'Same file, second record').expect(201);
      expect(Buffer.compare(await getObject(s3.client, s3.bucket, key), bytes)).to.equal(0);
    } finally {
      await putObject(s3.client, s3.bucket, key, file);
    }
    await auditor.get(`/api/v1/evidence/${created.body.id}/download`).expect(200);
  });

  it('every registered file — evidence, archived report — is in the bucket; verify counts them, nothing unregistered', async function () {
    this.timeout(120_000);
    const [demo] = (await auditor.get('/api/v1/assessments?status=in_progress')).body.data;
    await archivedReport(ctx.db, demo.id, pdf('archived into the bucket'), 'test-report.pdf', store);
    const registered = await registeredBlobs(ctx.db.knex);
    const listed = new Set((await store.list()).map((b) => `${b.namespace}/${b.hash}`));
    expect(registered.length).to.be.greaterThan(2);
    for (const b of registered) expect(listed.has(`${b.organizationId}/${b.hash}`), `${b.kind} ${b.hash} in the bucket`).to.equal(true);
    const report = await verifyStoredFiles(ctx.db.knex, store);
    expect(report.problems).to.deep.equal([]);
    expect(report.unregistered).to.deep.equal([]);
    expect(report.byKind.report).to.equal(1);
    const cli = await runCli(['evidence', 'verify'], env());
    expect(cli.code, cli.stderr).to.equal(0);
    expect(cli.stdout).to.contain(`Checked ${registered.length} stored files`);
    expect(cli.stdout).to.match(/archived reports 1\b/);
  });

  describe('backup and restore with a bucket', () => {
    let backupDir: string;
    let manifest: BackupManifest;
    before(function () {
      if (ctx.engine === 'postgres' && !(hasTool('pg_dump') && hasTool('pg_restore'))) this.skip();
    });
    async function emptyTarget(): Promise<TestDatabase> {
      const t = await createTestDatabase(ctx.engine);
      targets.push(t);
      if (ctx.engine === 'sqlite') await t.knex.destroy();
      return t;
    }

    it('`dengbao backup` copies the registered objects out of the bucket with their hashes', async function () {
      this.timeout(180_000);
      backupDir = path.join(tmp, 'backup');
      const res = await runCli(['backup', backupDir], env());
      expect(res.code, res.stderr).to.equal(0);
      manifest = JSON.parse(readFileSync(path.join(backupDir, 'manifest.json'), 'utf8'));
      const registered = await registeredBlobs(ctx.db.knex);
      expect(manifest.blobs.length).to.equal(registered.length);
      for (const b of manifest.blobs) {
        const bytes = readFileSync(path.join(backupDir, b.path));
        expect(sha256(bytes), b.path).to.equal(b.sha256);
        expect(Buffer.compare(bytes, await getObject(s3.client, s3.bucket, keyOf(b.organizationId, b.sha256)))).to.equal(0);
      }
    });

    it('restores into an empty database and an empty prefix of the bucket; every hash verifies and files download', async function () {
      this.timeout(180_000);
      const target = await emptyTarget();
      const targetPrefix = `${ctx.engine}-${randomBytes(4).toString('hex')}/restored`;
      const res = await runCli(['restore', backupDir], env(target, targetPrefix));
      expect(res.code, res.stderr).to.equal(0);
      expect(res.stdout).to.contain('Restored');
      const keys = await listKeys(s3.client, s3.bucket, `${targetPrefix}/`);
      expect(keys.length).to.equal(new Set(manifest.blobs.map((b) => b.path)).size);
      const verify = await runCli(['evidence', 'verify'], env(target, targetPrefix));
      expect(verify.code, verify.stderr).to.equal(0);
      expect(verify.stdout).to.contain(`Checked ${manifest.blobs.length} stored files`);

      const restoredDb = createDatabase(target.database);
      try {
        const config = { ...testConfig(target), evidenceStore: storeOf(targetPrefix) };
        const restored = createApp({ db: restoredDb, config, logger: createLogger('silent') });
        const agent = await signIn(restored, 'auditor');
        const versions = await restoredDb('evidence_versions').select('evidence_id', 'version', 'hash');
        expect(versions.length).to.be.greaterThan(0);
        for (const v of versions) {
          const file = await agent.get(`/api/v1/evidence/${v.evidence_id}/versions/${v.version}/download`).buffer(true).parse(binary).expect(200);
          expect(sha256(file.body as Buffer)).to.equal(v.hash);
        }
      } finally {
        await auditSettled(); // the downloads' audit entries are written after their responses
        await restoredDb.destroy();
      }

      // Never into a prefix that already holds stored files.
      const again = await emptyTarget();
      const twice = await runCli(['restore', backupDir], env(again, targetPrefix));
      expect(twice.code).to.equal(1);
      expect(twice.stderr).to.contain(`s3://${s3.bucket}/${targetPrefix} holds stored files`);
    });

    it('a tampered object in the bucket makes the backup fail, naming the file, and keeps nothing', async function () {
      this.timeout(180_000);
      const victim = manifest.blobs.find((b) => b.kind === 'evidence')!;
      const key = keyOf(victim.organizationId, victim.sha256);
      const original = await getObject(s3.client, s3.bucket, key);
      await putObject(s3.client, s3.bucket, key, Buffer.concat([original, Buffer.from('x')]));
      const dir = path.join(tmp, 'tampered');
      try {
        const res = await runCli(['backup', dir], env());
        expect(res.code).to.equal(1);
        expect(res.stderr).to.contain(`CORRUPTED: organisation ${victim.organizationId} file ${victim.sha256}`);
        expect(readdirSync(dir)).to.deep.equal([]);
      } finally {
        await putObject(s3.client, s3.bucket, key, original);
      }
    });
  });

  it('`dengbao start` with EVIDENCE_STORE: removes dead uploads at start and serves files from the bucket', async function () {
    this.timeout(120_000);
    expect(parseConfig(env()).evidenceStore).to.deep.equal(storeOf(prefix));
    const tmpDir = path.join(ctx.db.dataDir, 'upload-tmp');
    mkdirSync(tmpDir, { recursive: true });
    writeFileSync(path.join(tmpDir, '999999999-crashed-upload.part'), 'half an upload'); // a process id no process has
    const server = await startServer({ ...env(), SESSION_SECRET: 'shared-secret-shared-secret-shared-secret' });
    try {
      expect(readdirSync(tmpDir)).to.deep.equal([]);
      const { cookie } = await cookieFor(server.url, 'auditor', 'shared-secret-shared-secret-shared-secret');
      // A demo evidence file (the demo was loaded into the bucket), read back through the started server.
      const row = await ctx.db.knex('evidence_versions').where({ organization_id: orgs.citybrain }).orderBy('uploaded_at').first();
      const res = await fetch(`${server.url}/api/v1/evidence/${row.evidence_id}/versions/${row.version}/download`, { headers: { cookie } });
      expect(res.status).to.equal(200);
      expect(sha256(Buffer.from(await res.arrayBuffer()))).to.equal(row.hash);
      expect(await store.size(orgs.citybrain, row.hash)).to.equal(Number(row.size));
    } finally {
      await stopServer(server.child);
    }
  });
});
