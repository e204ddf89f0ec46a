import { expect } from 'chai';
import path from 'node:path';
import { ConfigError, parseConfig } from '../../server/config.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    parseConfig(env);
  } catch (err) {
    expect(err).to.be.instanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('has the documented defaults', () => {
    const c = parseConfig({});
    expect(c.port).to.equal(3000);
    expect(c.dataDir).to.equal(path.resolve('./data'));
    expect(c.database.engine).to.equal('sqlite');
    expect(c.database.filename).to.equal(path.resolve('./data/dengbao.sqlite'));
    expect(c.logLevel).to.equal('info');
    expect(c.chromiumPath).to.equal(undefined); // resolved: reports/pdf/browser.ts
    expect(c.browserDownload).to.equal(true);
    expect(c.demo).to.equal(true);
    expect(c.sessionIdleMinutes).to.equal(30);
    expect(c.sessionSecret).to.equal(undefined);
  });

  it('switches to PostgreSQL on a postgres:// URL', () => {
    const c = parseConfig({ DATABASE_URL: 'postgres://u@db.example:5432/dengbao', PG_POOL_MAX: '7' });
    expect(c.database).to.deep.equal({ engine: 'postgres', url: 'postgres://u@db.example:5432/dengbao', poolMax: 7 });
  });

  it('runs background jobs in every process by default; JOBS=off leaves them to workers; bad job settings are named', () => {
    expect(parseConfig({}).jobs).to.deep.equal({ run: true, concurrency: 1, timeoutSeconds: 1800, waitSeconds: 120 });
    expect(parseConfig({ JOBS: 'off', JOB_CONCURRENCY: '4', JOB_TIMEOUT_SECONDS: '600', JOB_WAIT_SECONDS: '5' }).jobs).to.deep.equal({ run: false, concurrency: 4, timeoutSeconds: 600, waitSeconds: 5 });
    expect(configError({ JOBS: 'no' }).variable).to.equal('JOBS');
    expect(configError({ JOB_CONCURRENCY: '0' }).variable).to.equal('JOB_CONCURRENCY');
    expect(configError({ JOB_TIMEOUT_SECONDS: '5' }).variable).to.equal('JOB_TIMEOUT_SECONDS');
  });

  it('puts the default SQLite file under DATA_DIR', () => {
    expect(parseConfig({ DATA_DIR: '/srv/dengbao' }).database.filename).to.equal('/srv/dengbao/dengbao.sqlite');
  });

  it('accepts an explicit sqlite: URL', () => {
    expect(parseConfig({ DATABASE_URL: 'sqlite:/tmp/x.sqlite' }).database).to.include({ engine: 'sqlite', filename: '/tmp/x.sqlite' });
  });

  for (const [variable, value] of [
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://localhost/x'],
    ['LOG_LEVEL', 'loud'],
    ['SESSION_SECRET', 'short'],
    ['DEMO', 'yes'],
    ['SESSION_IDLE_MINUTES', '0'],
    ['EVIDENCE_STORE', '/var/lib/dengbao/evidence'],
    ['EVIDENCE_STORE', 's3://Bad_Bucket/x'],
    ['EVIDENCE_STORE', 's3://bucket/a//b'],
    ['EVIDENCE_STORE', 's3://bucket/../x'],
    ['S3_ENDPOINT', 'minio:9000'],
    ['S3_FORCE_PATH_STYLE', 'true'],
  ] as const) {
    it(`names ${variable} when it is ${JSON.stringify(value)}`, () => {
      const err = configError({ [variable]: value });
      expect(err.variable).to.equal(variable);
      expect(err.message).to.contain(variable);
    });
  }

  it('keeps stored files in DATA_DIR/evidence unless EVIDENCE_STORE names a bucket', () => {
    expect(parseConfig({ DATA_DIR: '/srv/dengbao' }).evidenceStore).to.deep.equal({ kind: 'fs', dir: '/srv/dengbao/evidence' });
    expect(parseConfig({ EVIDENCE_STORE: 's3://dengbao-evidence' }).evidenceStore).to.deep.equal({
      kind: 's3', bucket: 'dengbao-evidence', prefix: '', endpoint: undefined, region: 'us-east-1', forcePathStyle: false,
    });
    expect(parseConfig({ EVIDENCE_STORE: 's3://examplebucket-1250000000/prod/dengbao/', S3_ENDPOINT: 'https://cos.ap-guangzhou.myqcloud.com', S3_REGION: 'ap-guangzhou' }).evidenceStore).to.deep.equal({
      kind: 's3', bucket: 'examplebucket-1250000000', prefix: 'prod/dengbao', endpoint: 'https://cos.ap-guangzhou.myqcloud.com', region: 'ap-guangzhou', forcePathStyle: false,
    });
    expect(parseConfig({ EVIDENCE_STORE: 's3://evidence/x', S3_ENDPOINT: 'http://minio:9000', S3_FORCE_PATH_STYLE: '1' }).evidenceStore).to.include({ forcePathStyle: true, endpoint: 'http://minio:9000' });
  });

  it('has the documented identity defaults; REQUIRE_MFA_ADMIN is on outside demo mode', () => {
    expect(parseConfig({}).identity).to.deep.equal({
      pairMaxFailures: 5,
      accountMaxFailures: 20,
      ipMaxFailures: 50,
      passwordMinLength: 10,
      passwordMinClasses: 3,
      passwordHistory: 5,
      passwordMaxAgeDays: 180,
      tokenDefaultDays: 90,
      tokenMaxDays: 366,
      requireMfaAdmin: false,
      mfaEncryptionKey: undefined,
    });
    expect(parseConfig({ DEMO: '0' }).identity.requireMfaAdmin).to.equal(true);
    expect(parseConfig({ DEMO: '0', REQUIRE_MFA_ADMIN: '0' }).identity.requireMfaAdmin).to.equal(false);
    expect(parseConfig({ REQUIRE_MFA_ADMIN: '1' }).identity.requireMfaAdmin).to.equal(true);
    expect(configError({ PASSWORD_MIN_LENGTH: '4' }).variable).to.equal('PASSWORD_MIN_LENGTH');
    expect(configError({ MFA_ENCRYPTION_KEY: 'short' }).variable).to.equal('MFA_ENCRYPTION_KEY');
  });

  it('treats an empty variable as unset', () => {
    expect(parseConfig({ PORT: '' }).port).to.equal(3000);
  });
});
