import yauzl from 'yauzl';

/** Limits of an uploaded workbook, checked on the zip before ExcelJS sees it. */
export const WORKBOOK_LIMITS = {
  /** Upload size (bytes). */
  maxBytes: 20 * 1024 * 1024,
  maxSheets: 200,
  maxRowsPerSheet: 20_000,
  /** Sum of the entries' uncompressed sizes (bytes). */
  maxUncompressed: 200 * 1024 * 1024,
  maxEntries: 10_000,
};

export interface ArchiveProblem {
  sheet: string | null;
  row: number | null;
  code: string;
  message: string;
}

export type ArchiveCheck = { kind: 'not_xlsx'; reason: string } | { kind: 'problems'; problems: ArchiveProblem[] } | { kind: 'ok' };

const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** Decodes the XML entities ExcelJS and Excel write in attribute values. */
const unescapeXml = (s: string) =>
  s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);/gi, (_, e: string) =>
    e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'amp' ? '&' : e === 'quot' ? '"' : e === 'apos' ? "'" : String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)),
  );

/**
 * Checks an upload before it is parsed: is it an xlsx (a zip holding [Content_Types].xml and
 * xl/workbook.xml)? Then the zip's declared sizes (a zip bomb: more than 200 MB uncompressed, too
 * many entries), the number of sheets (at most 200) and the rows of each sheet (at most 20,000).
 * Rows are counted by streaming each worksheet's XML through yauzl, which also refuses an entry
 * that inflates beyond its declared size, so a lying header cannot get past the size limit.
 */
export async function checkWorkbookArchive(buffer: Buffer, limits = WORKBOOK_LIMITS): Promise<ArchiveCheck> {
  if (buffer.length < 22 || !buffer.subarray(0, 4).equals(ZIP_MAGIC)) return { kind: 'not_xlsx', reason: 'not a zip archive (an .xlsx workbook is one)' };
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(buffer, { lazyEntries: true, validateEntrySizes: true, decodeStrings: true });
  } catch (err) {
    return { kind: 'not_xlsx', reason: `unreadable zip archive: ${(err as Error).message}` };
  }
  const problems: ArchiveProblem[] = [];
  const entries: yauzl.Entry[] = [];
  let declared = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('entry', (entry: yauzl.Entry) => {
        entries.push(entry);
        declared += entry.uncompressedSize;
        if (entries.length > limits.maxEntries) {
          zip.close();
          resolve();
          return;
        }
        zip.readEntry();
      });
      zip.on('end', () => resolve());
      zip.on('error', reject);
      zip.readEntry();
    });
  } catch (err) {
    return { kind: 'not_xlsx', reason: `unreadable zip archive: ${(err as Error).message}` };
  }
  const names = new Set(entries.map((e) => e.fileName));
  if (!names.has('[Content_Types].xml') || !names.has('xl/workbook.xml')) {
    zip.close();
    return { kind: 'not_xlsx', reason: 'a zip archive, but not an Excel workbook (no xl/workbook.xml)' };
  }
  if (entries.length > limits.maxEntries) problems.push({ sheet: null, row: null, code: 'too_many_entries', message: `the archive holds more than ${limits.maxEntries} files` });
  if (declared > limits.maxUncompressed) {
    problems.push({ sheet: null, row: null, code: 'too_large_uncompressed', message: `the workbook unpacks to ${Math.ceil(declared / 1024 / 1024)} MB (more than ${limits.maxUncompressed / 1024 / 1024} MB)` });
  }
  if (problems.length) {
    zip.close();
    return { kind: 'problems', problems };
  }

  // Worksheets and their names (xl/workbook.xml → relationships → xl/worksheets/sheetN.xml).
  const read = async (entry: yauzl.Entry, onChunk?: (s: string) => boolean): Promise<string> => {
    const stream = await zip.openReadStreamPromise(entry);
    let text = '';
    return new Promise<string>((resolve, reject) => {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        if (onChunk) {
          if (!onChunk(chunk)) stream.destroy();
        } else text += chunk;
      });
      stream.on('end', () => resolve(text));
      stream.on('close', () => resolve(text));
      stream.on('error', reject);
    });
  };
  try {
    const byName = new Map(entries.map((e) => [e.fileName, e]));
    const workbookXml = await read(byName.get('xl/workbook.xml')!);
    const sheets = [...workbookXml.matchAll(/<(?:\w+:)?sheet\b([^>]*)\/?>/g)].map((m) => ({
      name: unescapeXml(/\bname="([^"]*)"/.exec(m[1]!)?.[1] ?? ''),
      rid: /\br:id="([^"]*)"/.exec(m[1]!)?.[1] ?? /\b\w+:id="([^"]*)"/.exec(m[1]!)?.[1] ?? '',
    }));
    if (sheets.length > limits.maxSheets) {
      zip.close();
      return { kind: 'problems', problems: [{ sheet: null, row: null, code: 'too_many_sheets', message: `the workbook has ${sheets.length} sheets (at most ${limits.maxSheets})` }] };
    }
    const rels = byName.get('xl/_rels/workbook.xml.rels');
    const targets = new Map<string, string>();
    if (rels) {
      for (const m of (await read(rels)).matchAll(/<(?:\w+:)?Relationship\b([^>]*)\/?>/g)) {
        const id = /\bId="([^"]*)"/.exec(m[1]!)?.[1];
        const target = /\bTarget="([^"]*)"/.exec(m[1]!)?.[1];
        if (id && target) targets.set(id, unescapeXml(target).replace(/^\/?(xl\/)?/, 'xl/'));
      }
    }
    const sheetOfPath = new Map(sheets.map((s) => [targets.get(s.rid) ?? '', s.name]));
    // Every worksheet part: rows counted while streaming, stopped as soon as the limit is passed.
    for (const entry of entries) {
      if (!/^xl\/worksheets\/[^/]+\.xml$/.test(entry.fileName)) continue;
      let rows = 0;
      let tail = '';
      await read(entry, (chunk) => {
        const text = tail + chunk;
        // A tag cut between two chunks is found in `tail + chunk`; one wholly inside the tail was counted before.
        for (const m of text.matchAll(/<(?:\w{1,16}:)?row[\s>/]/g)) if (m.index + m[0].length > tail.length) rows++;
        tail = text.slice(-24);
        return rows <= limits.maxRowsPerSheet;
      });
      if (rows > limits.maxRowsPerSheet) {
        problems.push({ sheet: sheetOfPath.get(entry.fileName) ?? entry.fileName, row: null, code: 'too_many_rows', message: `the sheet has more than ${limits.maxRowsPerSheet} rows` });
      }
    }
  } catch (err) {
    zip.close();
    // An entry that inflates past its declared size, or a corrupt deflate stream.
    return { kind: 'problems', problems: [{ sheet: null, row: null, code: 'corrupt_archive', message: `the workbook archive is corrupt or lies about its sizes: ${(err as Error).message}` }] };
  }
  zip.close();
  return problems.length ? { kind: 'problems', problems } : { kind: 'ok' };
}
