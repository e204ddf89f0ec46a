import { createHash } from 'node:crypto';
import yauzl from 'yauzl';
import { z } from 'zod';
import { INDEX, MANIFEST, MANIFEST_CHECKSUMS, PACK_FORMAT, parseChecksumLines } from './manifest.js';

export interface PackVerification {
  /** True when every file matches the manifest and nothing is missing or extra. */
  ok: boolean;
  /** One line per problem, naming the entry. */
  problems: string[];
  /** Files listed in the manifest (each checked). */
  files: number;
}

/** A manifest larger than this is refused (a real one lists a few hundred bytes per file). */
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;

const manifestSchema = z.looseObject({
  format: z.string(),
  files: z.array(
    z.looseObject({
      path: z.string().min(1),
      sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be a SHA-256 in lower-case hex'),
      size: z.number().int().min(0),
    }),
  ),
});

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

interface Seen {
  sha256: string;
  size: number;
}

/**
 * Checks an evidence pack (see manifest.ts): streams every entry, recomputes its SHA-256 and
 * size, and compares them with manifest.json (files under evidence/ and report/) and
 * manifest.sha256 (manifest.json and index.html). Reports missing entries, entries the manifest
 * does not list, size and hash mismatches, and an unreadable archive or manifest. Never throws
 * for a bad pack: the answer says what is wrong.
 */
export async function verifyPack(zipPath: string): Promise<PackVerification> {
  const problems: string[] = [];
  const seen = new Map<string, Seen>();
  const kept = new Map<string, Buffer>();

  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.openPromise(zipPath, { decodeStrings: true, validateEntrySizes: true, strictFileNames: false });
  } catch (err) {
    return { ok: false, problems: [`unreadable archive: ${message(err)}`], files: 0 };
  }
  try {
    for await (const entry of zip.eachEntry()) {
      const name = entry.fileName;
      if (name.endsWith('/')) continue; // directory entries carry no content
      if (seen.has(name)) {
        problems.push(`duplicate entry: ${name}`);
        continue;
      }
      const keep = name === MANIFEST || name === MANIFEST_CHECKSUMS;
      if (keep && entry.uncompressedSize > MAX_MANIFEST_BYTES) {
        problems.push(`unreadable manifest: ${name} is larger than ${MAX_MANIFEST_BYTES} bytes`);
        seen.set(name, { sha256: '', size: entry.uncompressedSize });
        continue;
      }
      try {
        const stream = await zip.openReadStreamPromise(entry);
        const hash = createHash('sha256');
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          hash.update(chunk);
          size += chunk.length;
          if (keep) chunks.push(chunk);
        }
        seen.set(name, { sha256: hash.digest('hex'), size });
        if (keep) kept.set(name, Buffer.concat(chunks));
      } catch (err) {
        problems.push(`unreadable entry: ${name}: ${message(err)}`);
        seen.set(name, { sha256: '', size: -1 });
      }
    }
  } catch (err) {
    problems.push(`unreadable archive: ${message(err)}`);
  } finally {
    zip.close();
  }

  // ---- manifest.json: every file it lists, and nothing else ----
  let files = 0;
  const listed = new Set<string>();
  const manifestBytes = kept.get(MANIFEST);
  if (!seen.has(MANIFEST)) problems.push(`missing: ${MANIFEST}`);
  else if (manifestBytes) {
    let parsed: z.infer<typeof manifestSchema> | undefined;
    try {
      const checked = manifestSchema.safeParse(JSON.parse(manifestBytes.toString('utf8')));
      if (checked.success) parsed = checked.data;
      else problems.push(`unreadable manifest: ${checked.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    } catch (err) {
      problems.push(`unreadable manifest: ${message(err)}`);
    }
    if (parsed && parsed.format !== PACK_FORMAT) problems.push(`unreadable manifest: unknown format ${JSON.stringify(parsed.format)} (expected ${PACK_FORMAT})`);
    for (const f of parsed?.files ?? []) {
      files++;
      if (listed.has(f.path)) {
        problems.push(`listed twice in the manifest: ${f.path}`);
        continue;
      }
      listed.add(f.path);
      const got = seen.get(f.path);
      if (!got) problems.push(`missing: ${f.path}`);
      else if (got.size < 0) continue; // already reported as unreadable
      else if (got.size !== f.size) problems.push(`size mismatch: ${f.path} (manifest ${f.size} bytes, archive ${got.size} bytes)`);
      else if (got.sha256 !== f.sha256) problems.push(`hash mismatch: ${f.path} (manifest ${f.sha256}, archive ${got.sha256})`);
    }
  }

  // ---- manifest.sha256: manifest.json and index.html ----
  const checksumBytes = kept.get(MANIFEST_CHECKSUMS);
  if (!seen.has(MANIFEST_CHECKSUMS)) problems.push(`missing: ${MANIFEST_CHECKSUMS}`);
  else if (checksumBytes) {
    const sums = parseChecksumLines(checksumBytes.toString('utf8'));
    if (!sums) problems.push(`unreadable manifest: ${MANIFEST_CHECKSUMS} is not in "sha256  name" form`);
    else {
      for (const required of [MANIFEST, INDEX]) if (!sums.has(required)) problems.push(`${MANIFEST_CHECKSUMS} does not list ${required}`);
      for (const [name, sha] of sums) {
        const got = seen.get(name);
        if (!got) {
          if (name !== MANIFEST) problems.push(`missing: ${name}`); // a missing manifest.json is reported above
        } else if (got.size >= 0 && got.sha256 !== sha) problems.push(`hash mismatch: ${name} (${MANIFEST_CHECKSUMS} ${sha}, archive ${got.sha256})`);
        listed.add(name);
      }
    }
  }

  for (const name of seen.keys()) {
    if (!listed.has(name) && name !== MANIFEST && name !== MANIFEST_CHECKSUMS && name !== INDEX) problems.push(`not in the manifest: ${name}`);
  }
  if (!seen.has(INDEX) && !problems.includes(`missing: ${INDEX}`)) problems.push(`missing: ${INDEX}`);
  return { ok: problems.length === 0, problems, files };
}
