import type { PDFDocument } from 'pdf-lib';
import { lazy } from '../../server/lazy.js';
import type { PdfOptions } from './chromium.js';

/** What a report's render function is given for its contents page. */
export interface ContentsView {
  /** Page number per contents entry (e.g. { ch1: 4, app_d: 37 }). */
  tocPages?: Record<string, number>;
  /** Only the pages up to and including the contents page (the rest is not laid out). */
  frontMatterOnly?: boolean;
}

export interface Printer {
  pdf(html: string, options?: PdfOptions): Promise<Buffer>;
}

/** The test report's contents entries, in order (template ids: ch1 … app-i). */
export const CONTENTS_KEYS = ['ch1', 'ch2', 'ch3', 'ch4', 'ch5', 'ch6', 'ch7', 'ch8', 'app_a', 'app_b', 'app_c', 'app_d', 'app_e', 'app_f', 'app_g', 'app_i'];

/** The print's time limit grows with the report: 7,600 result rows print in ~15 s idle, several times that on a loaded machine. */
export const printTimeoutMs = (data: { records?: Array<{ rows: unknown[] }> }) => 120_000 + 20 * (data.records ?? []).reduce((n, r) => n + r.rows.length, 0);

/** The element id a contents entry links to: `app_d` → `#app-d`. */
export const anchorOf = (key: string) => key.replace(/_/g, '-');

// pdf-lib parses and writes a few thousand objects between yields, so a 400-page report does
// not hold the event loop for a second at a time (its default of 100 is 3× slower here).
const OBJECTS_PER_TICK = 5_000;
const pdfLib = lazy<typeof import('pdf-lib')>('pdf-lib');

/**
 * Page numbers (1-based) of the contents entries, read from the PDF's named destinations:
 * Chromium writes one for every element id a link points at, so the contents links
 * (`<a href="#ch1">`) give the page their heading landed on, without extracting any text.
 */
export function destinationPages(doc: PDFDocument, keys: readonly string[]): Record<string, number> {
  const { PDFArray, PDFDict, PDFName, PDFRef } = pdfLib();
  const dests = doc.catalog.lookupMaybe(PDFName.of('Dests'), PDFDict);
  if (!dests) return {};
  const index = new Map(doc.getPages().map((p, i) => [p.ref.toString(), i + 1]));
  const out: Record<string, number> = {};
  for (const key of keys) {
    const dest = dests.lookupMaybe(PDFName.of(anchorOf(key)), PDFArray);
    const page = dest?.get(0);
    const n = page instanceof PDFRef ? index.get(page.toString()) : undefined;
    if (n) out[key] = n;
  }
  return out;
}

/**
 * One full print with a numbered contents page. The report is printed once without page numbers;
 * the numbers are read back from its link destinations; then only the front matter (cover to
 * contents page) is printed again with them — same page frame, the full document's page total in
 * the footer — and its pages replace the first pages of the full print. The contents has a fixed
 * list of entries, so the numbered front matter takes as many pages as the unnumbered one; if it
 * ever does not, the whole report is printed a second time instead (never a wrong contents page).
 * Fonts, metadata (title, dates) and the link destinations of the full print are kept.
 */
export async function printWithContents(
  printer: Printer,
  render: (view: ContentsView) => string,
  keys: readonly string[],
  options: PdfOptions = {},
  firstHtml?: string,
): Promise<Buffer> {
  const { PDFDocument } = pdfLib();
  const full = await printer.pdf(firstHtml ?? render({}), options);
  const doc = await PDFDocument.load(full, { updateMetadata: false, parseSpeed: OBJECTS_PER_TICK });
  const tocPages = destinationPages(doc, keys);
  const firstChapter = Math.min(...Object.values(tocPages));
  if (!Number.isFinite(firstChapter) || firstChapter < 2) return full;
  const frontCount = firstChapter - 1;
  // Untagged: the front pages then carry no structure keys that would clash with the full print's.
  const frontPdf = await printer.pdf(render({ tocPages, frontMatterOnly: true }), { ...options, pageCount: doc.getPageCount(), tagged: false });
  const front = await PDFDocument.load(frontPdf, { updateMetadata: false });
  if (front.getPageCount() !== frontCount) return printer.pdf(render({ tocPages }), options);
  const pages = await doc.copyPages(front, front.getPageIndices());
  for (let i = 0; i < frontCount; i++) doc.removePage(0);
  pages.forEach((p, i) => doc.insertPage(i, p));
  // No object streams: writing is then 3× faster and needs half the memory (the file is larger).
  return Buffer.from(await doc.save({ useObjectStreams: false, updateFieldAppearances: false, objectsPerTick: OBJECTS_PER_TICK }));
}
