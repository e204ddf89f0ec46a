import { expect } from 'chai';
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { BlobTooLargeError, type BlobStore } from '../../server/storage/blob-store.js';

export interface ContractBackend {
  store: BlobStore;
  /** Overwrites a stored blob's bytes behind the store's back (disk or bucket). */
  tamper(namespace: string, hash: string, bytes: Buffer): Promise<void>;
  /** Temporary files (uploads in progress) the store holds now. */
  temporary(): Promise<string[]>;
  /** Leaves a temporary file as a process that crashed mid-upload would. */
  leaveTemporary(): Promise<void>;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const read = async (s: Readable) => {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};
const put = async (store: BlobStore, ns: string, body: Buffer) => {
  const staged = await store.stage(Readable.from([body]), 10 * 1024 * 1024);
  await staged.commit(ns);
  return staged;
};

/**
 * What every BlobStore backend must do, the same way (the local directory and the S3 bucket).
 * `backend()` is called in a before hook; each case uses its own namespace.
 */
export function blobStoreContract(name: string, backend: () => Promise<ContractBackend>): void {
  describe(`BlobStore contract: ${name}`, () => {
    let b: ContractBackend;
    before(async () => {
      b = await backend();
    });

    it('stages while hashing, then stores under the hash; reads back whole and by range', async () => {
      const ns = randomUUID();
      const body = Buffer.from('evidence bytes '.repeat(5000));
      const staged = await b.store.stage(Readable.from([body.subarray(0, 1000), body.subarray(1000)]), body.length);
      expect(staged).to.include({ hash: sha256(body), size: body.length });
      expect(staged.head.length).to.equal(64 * 1024 > body.length ? body.length : 64 * 1024);
      expect(await b.store.size(ns, staged.hash), 'not visible before commit').to.equal(undefined);
      await staged.commit(ns);
      await staged.commit(ns); // a second call is a no-op
      await staged.discard(); // and discard after commit keeps the blob
      expect(await b.store.size(ns, staged.hash)).to.equal(body.length);
      expect(Buffer.compare(await read(b.store.open(ns, staged.hash)), body)).to.equal(0);
      expect((await read(b.store.open(ns, staged.hash, { start: 15, end: 29 }))).toString()).to.equal('evidence bytes ');
      expect((await read(b.store.open(ns, staged.hash, { start: body.length - 3, end: body.length - 1 }))).toString()).to.equal('es ');
      expect(await b.store.verify(ns, staged.hash)).to.equal('ok');
      expect(await b.temporary()).to.deep.equal([]);
    });

    it('stores an empty file', async () => {
      const ns = randomUUID();
      const staged = await put(b.store, ns, Buffer.alloc(0));
      expect(await b.store.size(ns, staged.hash)).to.equal(0);
      expect((await read(b.store.open(ns, staged.hash))).length).to.equal(0);
      expect(await b.store.verify(ns, staged.hash)).to.equal('ok');
    });

    it('is write-once: a second commit of the same content keeps the bytes already stored', async () => {
      const ns = randomUUID();
      const body = Buffer.from('original content');
      const { hash } = await put(b.store, ns, body);
      const changed = Buffer.from('changed behind the store');
      await b.tamper(ns, hash, changed);
      await put(b.store, ns, body); // same hash: nothing written
      expect((await read(b.store.open(ns, hash, { start: 0, end: changed.length - 1 }))).toString()).to.equal(changed.toString());
      expect(await b.store.verify(ns, hash)).to.equal('corrupted');
      expect(await b.temporary(), 'the second upload’s temporary file is gone').to.deep.equal([]);
    });

    it('verify re-hashes: ok, corrupted (one byte flipped), missing; size and open of a missing blob', async () => {
      const ns = randomUUID();
      const body = Buffer.from('a screenshot, supposedly');
      const { hash } = await put(b.store, ns, body);
      expect(await b.store.verify(ns, hash)).to.equal('ok');
      const flipped = Buffer.from(body);
      flipped[3]! ^= 0x01;
      await b.tamper(ns, hash, flipped);
      expect(await b.store.verify(ns, hash)).to.equal('corrupted');
      const other = sha256(Buffer.from('never stored'));
      expect(await b.store.verify(ns, other)).to.equal('missing');
      expect(await b.store.size(ns, other)).to.equal(undefined);
      const err = await read(b.store.open(ns, other)).then(() => undefined, (e: NodeJS.ErrnoException) => e);
      expect(err?.code).to.equal('ENOENT');
    });

    it('keeps organisations apart: the same content is one blob per namespace', async () => {
      const [ns1, ns2] = [randomUUID(), randomUUID()];
      const body = Buffer.from('shared policy document');
      const { hash } = await put(b.store, ns1, body);
      expect(await b.store.size(ns2, hash)).to.equal(undefined);
      await put(b.store, ns2, body);
      const listed = (await b.store.list()).filter((x) => x.namespace === ns1 || x.namespace === ns2);
      expect(listed).to.deep.equal([ns1, ns2].sort().map((namespace) => ({ namespace, hash })));
    });

    it('lists every stored blob sorted by namespace and hash, never an upload in progress', async () => {
      const ns = randomUUID();
      const hashes: string[] = [];
      for (let i = 0; i < 5; i++) hashes.push((await put(b.store, ns, Buffer.from(`file ${i}`))).hash);
      const pending = await b.store.stage(Readable.from([Buffer.from('not committed')]), 1000);
      const all = await b.store.list();
      expect(all.filter((x) => x.namespace === ns).map((x) => x.hash)).to.deep.equal(hashes.sort());
      expect(all.some((x) => x.hash === pending.hash)).to.equal(false);
      const keys = all.map((x) => `${x.namespace}/${x.hash}`);
      expect(keys).to.deep.equal([...keys].sort());
      await pending.discard();
    });

    it('refuses past the size limit with BlobTooLargeError and leaves no temporary file', async () => {
      const err = await b.store.stage(Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), 1000).then(() => undefined, (e: unknown) => e);
      expect(err).to.be.instanceOf(BlobTooLargeError);
      expect(await b.temporary()).to.deep.equal([]);
    });

    it('discard removes the upload; cleanTemporary removes leftovers of an interrupted one', async () => {
      const staged = await b.store.stage(Readable.from([Buffer.from('abandoned')]), 1000);
      expect((await b.temporary()).length).to.equal(1);
      await staged.discard();
      expect(await b.temporary()).to.deep.equal([]);
      expect(await b.store.size(randomUUID(), staged.hash)).to.equal(undefined);
      await b.leaveTemporary();
      expect((await b.temporary()).length).to.equal(1);
      expect(await b.store.cleanTemporary()).to.equal(1);
      expect(await b.temporary()).to.deep.equal([]);
    });

    it('refuses a namespace or hash that is not one (no path or key from client input)', async () => {
      const hash = sha256(Buffer.from('x'));
      expect(() => b.store.open('../etc', hash)).to.throw(/bad namespace/);
      expect(() => b.store.open(randomUUID(), '../../passwd')).to.throw(/bad hash/);
      const staged = await b.store.stage(Readable.from([Buffer.from('x')]), 10);
      const err = await staged.commit('not-an-organisation').then(() => undefined, (e: Error) => e);
      expect(err?.message).to.match(/bad namespace/);
      await staged.discard();
    });

    it('remove deletes a stored blob (undoing a failed restore)', async () => {
      const ns = randomUUID();
      const { hash } = await put(b.store, ns, Buffer.from('restored, then rolled back'));
      await b.store.remove(ns, hash);
      expect(await b.store.verify(ns, hash)).to.equal('missing');
    });
  });
}
