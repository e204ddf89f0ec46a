import { execFile } from 'node:child_process';

/**
 * Page numbers for a table of contents, read back from a first print: pdftotext (poppler-utils)
 * gives each page's text; a heading's page is the first page after the contents page that starts
 * a line with it. Without pdftotext the contents page simply has no numbers.
 */
export async function headingPages(pdf: Buffer, headings: Record<string, string>, afterPage: number): Promise<Record<string, number> | undefined> {
  const text = await new Promise<string | undefined>((resolve) => {
    const child = execFile('pdftotext', ['-layout', '-', '-'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }, (err, stdout) => resolve(err ? undefined : stdout));
    child.stdin?.on('error', () => resolve(undefined));
    child.stdin?.end(pdf);
  });
  if (!text) return undefined;
  const pages = text.split('\f').map((p) => p.split('\n').map((l) => l.trim().replace(/\s+/g, '')));
  const out: Record<string, number> = {};
  for (const [key, heading] of Object.entries(headings)) {
    const h = heading.replace(/\s+/g, '');
    const index = pages.findIndex((lines, i) => i + 1 > afterPage && lines.some((l) => l.startsWith(h)));
    if (index >= 0) out[key] = index + 1;
  }
  return out;
}
