import { expect } from 'chai';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { FsBlobStore } from '../../server/storage/fs-blob-store.js';
import { S3BlobStore, type S3BlobStoreOptions } from '../../server/storage/s3-blob-store.js';
import { blobStoreContract } from '../utils/blob-store-contract.js';
import { getObject, listKeys, putObject, startS3Server, useS3Credentials, type S3TestServer } from '../utils/s3.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const read = async (s: Readable) => {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};
const files = (dir: string) => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};

describe('blob stores', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'dengbao-blobs-'));
  let s3: S3TestServer;
  before(async () => {
    useS3Credentials();
    s3 = await startS3Server();
  });
  after(async () => {
    await s3?.stop();
    rmSync(scratch, { recursive: true, force: true });
  });

  function s3Store(options: Partial<S3BlobStoreOptions> = {}, prefix = `p-${randomBytes(4).toString('hex')}/evidence`) {
    const tmpDir = path.join(scratch, `upload-tmp-${randomBytes(4).toString('hex')}`);
    const store = new S3BlobStore({ kind: 's3', bucket: s3.bucket, prefix, endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true }, { tmpDir, ...options });
    return { store, tmpDir, prefix };
  }

  blobStoreContract('local directory', async () => {
    const root = path.join(scratch, 'fs');
    const store = new FsBlobStore(root);
    return {
      store,
      tamper: async (ns, hash, bytes) => writeFileSync(store.pathOf(ns, hash), bytes),
      temporary: async () => files(path.join(root, 'tmp')),
      leaveTemporary: async () => {
        mkdirSync(path.join(root, 'tmp'), { recursive: true });
        writeFileSync(path.join(root, 'tmp', 'crashed.part'), 'half an upload');
      },
    };
  });

  blobStoreContract('S3 bucket (s3rver)', async () => {
    const { store, tmpDir } = s3Store();
    return {
      store,
      tamper: (ns, hash, bytes) => putObject(s3.client, s3.bucket, store.keyOf(ns, hash), bytes),
      temporary: async () => files(tmpDir),
      // A process id that cannot be alive (above any pid_max): a server that crashed mid-upload.
      leaveTemporary: async () => {
        mkdirSync(tmpDir, { recursive: true });
        writeFileSync(path.join(tmpDir, '999999999-crashed.part'), 'half an upload');
      },
    };
  });

  describe('S3 bucket specifics', () => {
    it('keys are <prefix>/<organisation>/<aa>/<bb>/<sha256>, the local layout; nothing else is written to the bucket', async () => {
      const { store, prefix } = s3Store();
      const ns = randomUUID();
      const body = Buffer.from('firewall policy export');
      const staged = await store.stage(Readable.from([body]), 1000);
      expect(await listKeys(s3.client, s3.bucket, prefix), 'nothing in the bucket before commit').to.deep.equal([]);
      await staged.commit(ns);
      const h = sha256(body);
      expect(await listKeys(s3.client, s3.bucket, prefix)).to.deep.equal([`${prefix}/${ns}/${h.slice(0, 2)}/${h.slice(2, 4)}/${h}`]);
      expect(Buffer.compare(await getObject(s3.client, s3.bucket, store.keyOf(ns, h)), body)).to.equal(0);
      expect(store.location).to.equal(`s3://${s3.bucket}/${prefix}`);
    });

    it('uploads large files in parts and reads them back intact', async () => {
      const { store, tmpDir } = s3Store({ multipartThreshold: 1024 * 1024, partSize: 5 * 1024 * 1024 });
      const ns = randomUUID();
      const body = randomBytes(11 * 1024 * 1024 + 17);
      const staged = await store.stage(Readable.from([body]), 20 * 1024 * 1024);
      await staged.commit(ns);
      expect(await store.size(ns, staged.hash)).to.equal(body.length);
      expect(await store.verify(ns, staged.hash)).to.equal('ok');
      expect(sha256(await read(store.open(ns, staged.hash, { start: 5 * 1024 * 1024 - 10, end: 5 * 1024 * 1024 + 9 })))).to.equal(sha256(body.subarray(5 * 1024 * 1024 - 10, 5 * 1024 * 1024 + 10)));
      expect(files(tmpDir)).to.deep.equal([]);
    });

    it('lists across ListObjectsV2 pages and ignores foreign keys under the prefix', async () => {
      const { store, prefix } = s3Store({ listPageSize: 2 });
      const ns = randomUUID();
      const hashes: string[] = [];
      for (let i = 0; i < 7; i++) {
        const staged = await store.stage(Readable.from([Buffer.from(`page ${i}`)]), 100);
        await staged.commit(ns);
        hashes.push(staged.hash);
      }
      await putObject(s3.client, s3.bucket, `${prefix}/README.txt`, Buffer.from('not a blob'));
      await putObject(s3.client, s3.bucket, `${prefix}/${ns}/zz/zz/${hashes[0]}`, Buffer.from('wrong fan-out'));
      expect((await store.list()).map((x) => x.hash)).to.deep.equal(hashes.sort());
    });

    it('a full read fails at its end when the object changed after the store checked it (never the wrong bytes in full)', async () => {
      const { store } = s3Store();
      const ns = randomUUID();
      const body = Buffer.from('the original evidence');
      const staged = await store.stage(Readable.from([body]), 100);
      await staged.commit(ns);
      await putObject(s3.client, s3.bucket, store.keyOf(ns, staged.hash), Buffer.from('swapped in the bucket'));
      const err = await read(store.open(ns, staged.hash)).then(() => undefined, (e: NodeJS.ErrnoException) => e);
      expect(err?.code).to.equal('EBLOBHASH');
    });

    it('cleanTemporary keeps uploads in progress of this process and of other live processes', async () => {
      const { store, tmpDir } = s3Store();
      const mine = await store.stage(Readable.from([Buffer.from('uploading now')]), 100);
      writeFileSync(path.join(tmpDir, `${process.ppid}-other-live-process.part`), 'x');
      const stale = path.join(tmpDir, `${process.pid}-same-pid-before-this-process-started.part`);
      writeFileSync(stale, 'x');
      const longAgo = new Date(Date.now() - process.uptime() * 1000 - 60_000);
      utimesSync(stale, longAgo, longAgo);
      expect(await store.cleanTemporary()).to.equal(1);
      expect(files(tmpDir).sort()).to.have.length(2);
      await mine.commit(randomUUID());
      expect(files(tmpDir)).to.deep.equal([`${process.ppid}-other-live-process.part`]);
    });
  });
});
