import { auditSettled } from '../../server/audit/middleware.js';
import { expect } from 'chai';
import type { Express } from 'express';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listTables, tableCounts } from '../../server/backup/database.js';
import type { BackupManifest } from '../../server/backup/manifest.js';
import { createDatabase } from '../../server/database/index.js';
import { createTestApp, signIn, type Agent } from '../utils/app.js';
import { createTestDatabase, type TestDatabase } from '../utils/database.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { pdf, png } from '../utils/files.js';
import { runCli } from '../utils/process.js';
import { archivedReport } from '../utils/reports.js';

const hasTool = (tool: string) => {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

const envOf = (db: TestDatabase) => ({ DATA_DIR: db.dataDir, DATABASE_URL: db.database.url });

describeEachEngine('backup and restore (CLI)', (ctx) => {
  let app: Express;
  let consultant: Agent;
  let tmp: string;
  let backupDir: string;
  let manifest: BackupManifest;
  const targets: TestDatabase[] = [];
  const writes = { during: 0, total: 0 };

  /** A fresh, empty database and DATA_DIR to restore into (its own connection closed: restore replaces the SQLite file). */
  async function emptyTarget(): Promise<TestDatabase> {
    const t = await createTestDatabase(ctx.engine);
    targets.push(t);
    if (ctx.engine === 'sqlite') await t.knex.destroy();
    return t;
  }

  before(async function () {
    if (ctx.engine === 'postgres' && !(hasTool('pg_dump') && hasTool('pg_restore'))) {
      console.warn('      pg_dump/pg_restore not found: PostgreSQL backup and restore not tested (install the PostgreSQL client tools)');
      this.skip();
    }
    app = await createTestApp(ctx.db);
    consultant = await signIn(app, 'consultant');
    tmp = mkdtempSync(path.join(tmpdir(), 'dengbao-backup-'));
    backupDir = path.join(tmp, 'backup');
    const [demo] = (await consultant.get('/api/v1/assessments?status=in_progress')).body.data;
    await archivedReport(ctx.db, demo.id, pdf('archived report for the backup'));
    for (let i = 0; i < 3; i++) await consultant.post('/api/v1/evidence').field('title', `before ${i}`).field('kind', 'screenshot').attach('file', png(9000 + i), `b${i}.png`).expect(201);
  });
  after(async () => {
    for (const t of targets) await t.drop().catch(() => undefined);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('backs up online while a writer keeps uploading evidence; the manifest lists every registered file and the row counts', async function () {
    this.timeout(180_000);
    let running = true;
    let backupRunning = false;
    // The write load: uploads (a stored file + rows in several tables each) one after another until the backup ends.
    const writer = (async () => {
      for (let i = 0; running; i++) {
        const started = backupRunning;
        await consultant.post('/api/v1/evidence').field('title', `load ${i}`).field('kind', 'screenshot').attach('file', png(20000 + i), `load${i}.png`).expect(201);
        writes.total++;
        if (started && backupRunning) writes.during++;
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    backupRunning = true;
    const res = await runCli(['backup', backupDir], envOf(ctx.db));
    backupRunning = false;
    await new Promise((r) => setTimeout(r, 200)); // a few writes after the snapshot too
    running = false;
    await writer;
    expect(res.code, res.stderr).to.equal(0);
    expect(res.stdout).to.contain('Backup written to');
    expect(writes.during, 'uploads completed while the backup ran').to.be.greaterThan(0);

    manifest = JSON.parse(readFileSync(path.join(backupDir, 'manifest.json'), 'utf8'));
    expect(manifest.engine).to.equal(ctx.engine);
    // A consistent snapshot: the registry it lists matches its own row counts, and is a prefix of the live data.
    expect(manifest.blobs.filter((b) => b.kind === 'evidence').length).to.equal(manifest.tables.evidence_blobs);
    expect(manifest.blobs.filter((b) => b.kind === 'report').length).to.equal(1);
    const live = await tableCounts(ctx.db.knex, ctx.engine);
    expect(manifest.tables.evidence).to.be.greaterThan(3);
    expect(manifest.tables.evidence).to.be.lessThan(live.evidence!);
    expect(manifest.tables.evidence_versions).to.equal(manifest.tables.evidence);
    // Refuses to write into a directory that is not empty.
    const again = await runCli(['backup', backupDir], envOf(ctx.db));
    expect(again.code).to.equal(1);
    expect(again.stderr).to.contain('not empty');
  });

  it('restores into an empty database and DATA_DIR: every hash verifies and the row counts are the manifest’s', async function () {
    this.timeout(120_000);
    const target = await emptyTarget();
    const res = await runCli(['restore', backupDir], envOf(target));
    expect(res.code, res.stderr).to.equal(0);
    expect(res.stdout).to.contain('Restored');
    const db = createDatabase(target.database);
    try {
      expect(await tableCounts(db, ctx.engine)).to.deep.equal(manifest.tables);
      expect((await db('evidence').where({ title: 'before 2' }).first())?.title).to.equal('before 2');
    } finally {
      await db.destroy();
    }
    const verify = await runCli(['evidence', 'verify'], envOf(target));
    expect(verify.code, verify.stderr).to.equal(0);
    expect(verify.stdout).to.contain(`Checked ${manifest.blobs.length} stored files`);
    expect(verify.stdout).to.contain('archived reports 1');
    // The restored server signs in with the backed-up users (a fresh app on the restored data).
    const { createApp } = await import('../../server/app.js');
    const { testConfig } = await import('../utils/app.js');
    const { createLogger } = await import('../../server/logger.js');
    const restoredDb = createDatabase(target.database);
    try {
      const restored = createApp({ db: restoredDb, config: testConfig(target), logger: createLogger('silent') });
      const agent = await signIn(restored, 'auditor');
      const list = (await agent.get('/api/v1/evidence?q=before%202').expect(200)).body.data;
      const one = list.find((e: { title: string }) => e.title === 'before 2');
      expect(one, 'evidence uploaded before the backup').to.not.equal(undefined);
      const file = await agent.get(`/api/v1/evidence/${one.id}/download`).buffer(true).expect(200);
      expect(Buffer.compare(file.body as Buffer, png(9002))).to.equal(0);
    } finally {
      await auditSettled(); // the download's audit entry is written after its response
      await restoredDb.destroy();
    }

    // Never into a database that already holds data.
    const twice = await runCli(['restore', backupDir], envOf(target));
    expect(twice.code).to.equal(1);
    expect(twice.stderr).to.contain('Restore REFUSED');
    expect(twice.stderr).to.contain('not empty');
  });

  it('refuses a backup with a tampered file, naming it, and restores nothing', async function () {
    this.timeout(120_000);
    const copy = path.join(tmp, 'tampered');
    cpSync(backupDir, copy, { recursive: true });
    const victim = manifest.blobs.find((b) => b.kind === 'evidence')!;
    const file = path.join(copy, victim.path);
    const bytes = readFileSync(file);
    bytes[bytes.length - 3]! ^= 0x01;
    writeFileSync(file, bytes);
    const target = await emptyTarget();
    const res = await runCli(['restore', copy], envOf(target));
    expect(res.code).to.equal(1);
    expect(res.stderr).to.contain(`hash mismatch: ${victim.path}`);
    expect(res.stderr).to.contain('nothing was restored');
    const db = createDatabase(target.database);
    try {
      expect(await listTables(db, ctx.engine)).to.deep.equal([]);
    } finally {
      await db.destroy();
    }
  });
});
