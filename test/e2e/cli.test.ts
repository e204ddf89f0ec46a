import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeEachEngine } from '../utils/each-engine.js';
import { runCli, startServer, stopServer } from '../utils/process.js';

describe('configuration errors at start', () => {
  it('exit non-zero naming the variable', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'dengbao-cli-'));
    try {
      const port = await runCli(['start'], { DATA_DIR: dataDir, PORT: 'eighty' });
      expect(port.code).to.equal(2);
      expect(port.stderr).to.contain('PORT');
      const url = await runCli(['migrate'], { DATA_DIR: dataDir, DATABASE_URL: 'mysql://x' });
      expect(url.code).to.equal(2);
      expect(url.stderr).to.contain('DATABASE_URL');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describeEachEngine(
  'npm start and the CLI',
  (ctx) => {
    const env = () => ({
      DATA_DIR: ctx.db.dataDir,
      DATABASE_URL: ctx.db.database.url,
    });

    it('`dengbao migrate` applies migrations, then reports nothing pending', async () => {
      const first = await runCli(['migrate'], env());
      expect(first.code, first.stderr).to.equal(0);
      expect(first.stdout).to.contain('20261126A-tenancy');
      const status = await runCli(['migrate', 'status'], env());
      expect(status.stdout).to.contain('Pending (0)');
    });

    it('starts with demo data, prints URL and logins, serves /healthz and sign-in', async () => {
      const { child, url, output } = await startServer(env());
      try {
        const text = output();
        for (const u of ['admin', 'officer', 'consultant', 'auditor', 'officer2', 'Dengbao#2026']) expect(text).to.contain(u);
        const health = await (await fetch(`${url}/healthz`)).json();
        expect(health).to.deep.include({ status: 'ok', database: ctx.engine, version: '0.1.0' });
        expect(health.catalogue.items).to.equal(858);
        const login = await fetch(`${url}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'officer', password: 'Dengbao#2026' }),
        });
        expect(login.status).to.equal(200);
      } finally {
        await stopServer(child);
      }
      // SESSION_SECRET was generated once and kept under DATA_DIR.
      expect(readFileSync(path.join(ctx.db.dataDir, 'session-secret'), 'utf8').trim()).to.have.length.greaterThan(40);
    });

    it('`dengbao user create` adds the first admin of an installation', async () => {
      const res = await runCli(['user', 'create', 'root2', '--password', 'Adm1n-Password!', '--admin'], env());
      expect(res.code, res.stderr).to.equal(0);
      const row = await ctx.db.knex('users').where({ username: 'root2' }).first();
      expect(Boolean(row.is_admin)).to.equal(true);
      const weak = await runCli(['user', 'create', 'root3', '--password', 'weak'], env());
      expect(weak.code).to.equal(2);
      expect(weak.stderr).to.contain('--password');
    });

    it('`dengbao user unlock` and `user reset-mfa` give a locked-out administrator its way back', async () => {
      const user = await ctx.db.knex('users').where({ username: 'root2' }).first();
      await ctx.db.knex('users').where({ id: user.id }).update({ locked_until: '2999-01-01T00:00:00.000Z', totp_enabled_at: '2026-01-01T00:00:00.000Z', totp_secret: 'v1.x.y.z' });
      expect((await runCli(['user', 'unlock', 'root2'], env())).code).to.equal(0);
      expect((await runCli(['user', 'reset-mfa', 'ROOT2'], env())).code).to.equal(0);
      const after = await ctx.db.knex('users').where({ id: user.id }).first();
      expect([after.locked_until, after.totp_enabled_at, after.totp_secret]).to.deep.equal([null, null, null]);
      expect((await runCli(['user', 'unlock', 'nobody'], env())).code).to.equal(1);
    });
  },
  { migrate: false },
);

describe('a broken catalogue', () => {
  it('stops the server at start naming the file, the item and the field', async () => {
    const { cpSync, writeFileSync } = await import('node:fs');
    const dataDir = mkdtempSync(path.join(tmpdir(), 'dengbao-badcat-'));
    try {
      const controls = path.join(dataDir, 'controls');
      cpSync(path.resolve(import.meta.dirname, '../../controls'), controls, { recursive: true });
      const file = path.join(controls, 'gbt22239-2019/level3/general/ABS.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace(/\n( +)methods: \[[^\]]*\]\n/, '\n'));
      const res = await runCli(['start'], { DATA_DIR: dataDir, CATALOGUE_DIR: controls, PORT: '0' });
      expect(res.code).to.equal(1);
      expect(res.stderr).to.contain('gbt22239-2019/level3/general/ABS.yaml item L3-ABS1-01: field methods');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('stops the server when any other part of the controls package in CATALOGUE_DIR is broken', async () => {
    const { cpSync, writeFileSync } = await import('node:fs');
    const dataDir = mkdtempSync(path.join(tmpdir(), 'dengbao-badrules-'));
    try {
      const controls = path.join(dataDir, 'controls');
      cpSync(path.resolve(import.meta.dirname, '../../controls'), controls, { recursive: true });
      const file = path.join(controls, 'filing-rules-2025.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('validYears: 3', 'validYears: three'));
      const res = await runCli(['start'], { DATA_DIR: dataDir, CATALOGUE_DIR: controls, PORT: '0' });
      expect(res.code).to.equal(1);
      expect(res.stderr).to.contain('filing-rules-2025.yaml: field certificate.validYears');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('DEMO=0', () => {
  it('starts with no users', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'dengbao-nodemo-'));
    const { child, output } = await startServer({ DATA_DIR: dataDir, DEMO: '0' });
    try {
      expect(output()).not.to.contain('demo logins');
    } finally {
      await stopServer(child);
    }
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path.join(dataDir, 'dengbao.sqlite'), { readonly: true });
    expect(db.prepare('select count(*) as n from users').get()).to.deep.equal({ n: 0 });
    db.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
});
