import yauzl from 'yauzl';

/** Limits of an uploaded workbook, checked on the zip before ExcelJS sees it. */
export interface WorkbookLimits {
  /** Upload size (bytes). */
  maxBytes: number;
  maxSheets: number;
  maxRowsPerSheet: number;
  /** Sum of the entries' uncompressed sizes (bytes). */
  maxUncompressed: number;
  maxEntries: number;
  /** Uncompressed size of one worksheet's XML (bytes). */
  maxSheetBytes: number;
  /** Uncompressed size of xl/sharedStrings.xml (bytes): ExcelJS holds every string in memory. */
  maxSharedStringsBytes: number;
  /** Number of shared strings (items, and the count the file declares). */
  maxSharedStrings: number;
  /** Characters in one cell's text (Excel's own limit is 32,767). */
  maxCellChars: number;
  /** Time for the whole check (seconds): past it the workbook is refused. */
  maxCheckSeconds: number;
  /** Time for ExcelJS to parse a checked workbook, in its own thread (seconds). */
  maxParseSeconds: number;
  /** Heap of that thread (MB): past it the parse is stopped. */
  maxParseMemoryMb: number;
}

const MB = 1024 * 1024;

/**
 * The limits, each configurable from the environment (WORKBOOK_MAX_…): a real record workbook of
 * a level-4 assessment is a few MB unpacked, far below them; a hostile one (a zip bomb, 190 MB
 * of shared strings in a 487 KB file) is refused before it is parsed, in well under a second.
 */
export function workbookLimits(env: NodeJS.ProcessEnv = process.env): WorkbookLimits {
  const num = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
    return n;
  };
  return {
    maxBytes: num('WORKBOOK_MAX_UPLOAD_MB', 20) * MB,
    maxSheets: num('WORKBOOK_MAX_SHEETS', 1000),
    maxRowsPerSheet: num('WORKBOOK_MAX_ROWS_PER_SHEET', 20_000),
    maxUncompressed: num('WORKBOOK_MAX_UNCOMPRESSED_MB', 200) * MB,
    maxEntries: num('WORKBOOK_MAX_ENTRIES', 10_000),
    maxSheetBytes: num('WORKBOOK_MAX_SHEET_MB', 32) * MB,
    maxSharedStringsBytes: num('WORKBOOK_MAX_SHARED_STRINGS_MB', 16) * MB,
    maxSharedStrings: num('WORKBOOK_MAX_SHARED_STRINGS', 200_000),
    maxCellChars: num('WORKBOOK_MAX_CELL_CHARS', 32_767),
    maxCheckSeconds: num('WORKBOOK_MAX_CHECK_SECONDS', 20),
    maxParseSeconds: num('WORKBOOK_MAX_PARSE_SECONDS', 60),
    maxParseMemoryMb: num('WORKBOOK_MAX_PARSE_MEMORY_MB', 1024),
  };
}

export const WORKBOOK_LIMITS: WorkbookLimits = workbookLimits();

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
 * many entries), the number of sheets (at most 1,000: the record workbook has one sheet per object, and a 300-object assessment's is 311) and the rows of each sheet (at most 20,000).
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
  // Declared sizes (yauzl refuses an entry that inflates past what it declares): refused before
  // a byte is inflated.
  for (const e of entries) {
    if (e.fileName === 'xl/sharedStrings.xml' && e.uncompressedSize > limits.maxSharedStringsBytes) {
      problems.push({ sheet: null, row: null, code: 'shared_strings_too_large', message: `the shared strings unpack to ${Math.ceil(e.uncompressedSize / MB)} MB (at most ${Math.floor(limits.maxSharedStringsBytes / MB)} MB)` });
    }
    if (/^xl\/worksheets\/[^/]+\.xml$/.test(e.fileName) && e.uncompressedSize > limits.maxSheetBytes) {
      problems.push({ sheet: e.fileName, row: null, code: 'sheet_too_large', message: `a sheet unpacks to ${Math.ceil(e.uncompressedSize / MB)} MB (at most ${Math.floor(limits.maxSheetBytes / MB)} MB)` });
    }
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
    const deadline = Date.now() + limits.maxCheckSeconds * 1000;
    // Every XML part is streamed once (the event loop keeps serving between chunks): no DTD or
    // entity declaration anywhere (an xlsx never has one; external entities must never be
    // resolved), rows of each worksheet, and the shared strings' count and length.
    for (const entry of entries) {
      if (!/\.(xml|rels|vml)$/i.test(entry.fileName)) continue;
      const isSheet = /^xl\/worksheets\/[^/]+\.xml$/.test(entry.fileName);
      const isShared = entry.fileName === 'xl/sharedStrings.xml';
      const strings = isShared ? sharedStringsScanner(limits) : undefined;
      let rows = 0;
      let tail = '';
      let problem: ArchiveProblem | undefined;
      await read(entry, (chunk) => {
        const text = tail + chunk;
        if (/<!(DOCTYPE|ENTITY)/i.test(text)) {
          problem = { sheet: null, row: null, code: 'xml_dtd_not_allowed', message: `${entry.fileName} declares a DTD or entities, which a workbook never does` };
          return false;
        }
        if (Date.now() > deadline) {
          problem = { sheet: null, row: null, code: 'too_slow', message: `the workbook could not be checked within ${limits.maxCheckSeconds} s` };
          return false;
        }
        if (isSheet) {
          // A tag cut between two chunks is found in `tail + chunk`; one wholly inside the tail was counted before.
          for (const m of text.matchAll(/<(?:\w{1,16}:)?row[\s>/]/g)) if (m.index + m[0].length > tail.length) rows++;
          if (rows > limits.maxRowsPerSheet) {
            problem = { sheet: sheetOfPath.get(entry.fileName) ?? entry.fileName, row: null, code: 'too_many_rows', message: `the sheet has more than ${limits.maxRowsPerSheet} rows` };
            return false;
          }
        }
        if (strings) {
          problem = strings.push(chunk);
          if (problem) return false;
        }
        tail = text.slice(-24);
        return true;
      });
      if (problem) problems.push(problem);
      if (problems.some((p) => p.code !== 'too_many_rows')) break;
    }
  } catch (err) {
    zip.close();
    // An entry that inflates past its declared size, or a corrupt deflate stream.
    return { kind: 'problems', problems: [{ sheet: null, row: null, code: 'corrupt_archive', message: `the workbook archive is corrupt or lies about its sizes: ${(err as Error).message}` }] };
  }
  zip.close();
  return problems.length ? { kind: 'problems', problems } : { kind: 'ok' };
}

/**
 * Streams xl/sharedStrings.xml: the declared count (`count`/`uniqueCount`), the number of items
 * and each item's text length (tags removed, an entity counted as one character). Holds at most
 * one item (bounded) in memory.
 */
function sharedStringsScanner(limits: WorkbookLimits) {
  let pending = '';
  let items = 0;
  let headerChecked = false;
  const rawCap = limits.maxCellChars * 8 + 4096; // escaped text and run markup around it
  const tooLong = (): ArchiveProblem => ({ sheet: null, row: null, code: 'cell_text_too_long', message: `a cell holds more than ${limits.maxCellChars} characters` });
  return {
    push(chunk: string): ArchiveProblem | undefined {
      pending += chunk;
      if (!headerChecked) {
        const sst = /<(?:\w+:)?sst\b([^>]*)>/.exec(pending);
        if (sst) {
          headerChecked = true;
          for (const m of sst[1]!.matchAll(/\b(?:count|uniqueCount)="(\d+)"/g)) {
            if (Number(m[1]) > limits.maxSharedStrings) return { sheet: null, row: null, code: 'too_many_shared_strings', message: `the workbook declares ${m[1]} shared strings (at most ${limits.maxSharedStrings})` };
          }
        }
      }
      const close = /<\/(?:\w+:)?si>/g;
      let last = 0;
      for (let m = close.exec(pending); m; m = close.exec(pending)) {
        const item = pending.slice(last, m.index);
        const open = item.search(/<(?:\w+:)?si[\s>/]/);
        const text = (open >= 0 ? item.slice(open) : item).replace(/<[^>]*>/g, '').replace(/&[#\w]+;/g, 'x');
        if (text.length > limits.maxCellChars) return tooLong();
        items++;
        if (items > limits.maxSharedStrings) return { sheet: null, row: null, code: 'too_many_shared_strings', message: `the workbook holds more than ${limits.maxSharedStrings} shared strings` };
        last = m.index + m[0].length;
      }
      pending = pending.slice(last);
      if (pending.length > rawCap) return tooLong();
      return undefined;
    },
  };
}
