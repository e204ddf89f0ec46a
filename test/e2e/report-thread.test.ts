import { expect } from 'chai';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { runCli, startServer, stopServer } from '../utils/process.js';
import { cookieFor } from '../utils/raw-http.js';

/**
 * SQLite, one real server process: report jobs run in the server's report process (its own
 * connection to the WAL-mode database file), not on the thread that answers requests.
 * How much that helps is measured by bench/head-of-line.ts, not asserted here.
 */
describe('SQLite: reports run in a child process of the server; dengbao worker refuses', function () {
  this.timeout(300_000);
  const secret = 'report-thread-test-secret-report-thread-1234';
  let dataDir: string;
  let server: { child: ChildProcess; url: string; output: () => string } | undefined;

  before(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'dengbao-thread-'));
  });
  after(async () => {
    if (server) await stopServer(server.child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a report requested over HTTP is produced (done, hash of the download) while the server answers; the database is in WAL mode', async () => {
    server = await startServer({ DATA_DIR: dataDir, SESSION_SECRET: secret, DATABASE_URL: '', LOG_LEVEL: 'info' });
    const { cookie } = await cookieFor(server.url, 'consultant', secret);
    const get = async (p: string) => {
      const res = await fetch(new URL(p, server!.url), { headers: { cookie } });
      return { status: res.status, buffer: Buffer.from(await res.arrayBuffer()), type: res.headers.get('content-type') ?? '' };
    };
    const list = JSON.parse((await get('/api/v1/assessments?status=in_progress')).buffer.toString()).data;
    const id = list.find((a: { kind: string }) => a.kind === 'formal_test').id;
    const requested = await fetch(new URL(`/api/v1/assessments/${id}/reports`, server.url), {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'test_report', format: 'html', lang: 'en' }),
    });
    expect(requested.status).to.equal(202);
    const job = (await requested.json()) as { id: string };
    let row: { status: string; sha256: string; error: string | null } | undefined;
    for (let i = 0; i < 600; i++) {
      // The server keeps answering while the report is assembled elsewhere.
      expect((await get('/healthz')).status).to.equal(200);
      row = JSON.parse((await get(`/api/v1/reports/${job.id}`)).buffer.toString());
      if (row!.status === 'done' || row!.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(row).to.include({ status: 'done', error: null });
    const file = await get(`/api/v1/reports/${job.id}/download`);
    expect(file.buffer.toString('utf8')).to.include('MLPS Test Report');
    expect(createHash('sha256').update(file.buffer).digest('hex')).to.equal(row!.sha256);
    // The job ran on the report thread (its log lines carry thread: reports).
    const finished = server.output().split('\n').find((l) => l.includes('report job finished') && l.includes(job.id));
    expect(finished, 'the report thread logged the job').to.be.a('string');
    expect(JSON.parse(finished!)).to.include({ thread: 'reports', status: 'done' });
    // In a process of its own: its heap and its browser are not the server's memory.
    expect(JSON.parse(finished!).pid, 'the report process is not the server process').to.be.a('number').and.not.equal(server.child.pid);
    const sqlite = new Database(path.join(dataDir, 'dengbao.sqlite'), { readonly: true });
    try {
      expect(sqlite.pragma('journal_mode', { simple: true })).to.equal('wal');
    } finally {
      sqlite.close();
    }
  });

  it('dengbao worker on SQLite exits 2 explaining that it needs PostgreSQL', async () => {
    const run = await runCli(['worker'], { DATA_DIR: dataDir, DATABASE_URL: '' });
    expect(run.code).to.equal(2);
    expect(run.stderr).to.include('dengbao worker needs PostgreSQL');
  });
});
