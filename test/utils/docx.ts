import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import PizZip from 'pizzip';

const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
const texts = (xml: string) => [...xml.matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((m) => decode(m[1]!)).join('');
const paragraphs = (xml: string) => [...xml.matchAll(/<w:p(?: [^>]*)?>([\s\S]*?)<\/w:p>/g)].map((m) => m[1]!);

export interface ReadDocx {
  zip: PizZip;
  /** The raw XML of a part (word/document.xml by default). */
  xml(part?: string): string;
  /** Every paragraph's text, in order (body, including table cells). */
  paragraphs: string[];
  headings: Array<{ level: number; text: string }>;
  /** Each table as rows of cell texts; `header` = rows marked to repeat on every page. */
  tables: Array<{ rows: string[][]; header: number }>;
  /** All text of the body. */
  text: string;
}

/** Reads a .docx back (unzip + XML): what a test asserts about its structure. */
export function readDocx(buf: Buffer): ReadDocx {
  const zip = new PizZip(buf);
  const xml = (part = 'word/document.xml') => zip.file(part)?.asText() ?? '';
  const doc = xml();
  const paras = paragraphs(doc);
  const headings = paras
    .map((p) => ({ m: /<w:pStyle w:val="Heading(\d)"\/>/.exec(p), p }))
    .filter((x) => x.m)
    .map((x) => ({ level: Number(x.m![1]), text: texts(x.p) }));
  const tables = [...doc.matchAll(/<w:tbl>([\s\S]*?)<\/w:tbl>/g)].map((t) => {
    const rows = [...t[1]!.matchAll(/<w:tr(?: [^>]*)?>([\s\S]*?)<\/w:tr>/g)];
    return {
      rows: rows.map((r) => [...r[1]!.matchAll(/<w:tc>([\s\S]*?)<\/w:tc>/g)].map((c) => paragraphs(c[1]!).map(texts).join('\n'))),
      header: rows.filter((r) => r[1]!.includes('<w:tblHeader/>')).length,
    };
  });
  return { zip, xml, paragraphs: paras.map(texts), headings, tables, text: paras.map(texts).join('\n') };
}

/** LibreOffice when installed (CI installs libreoffice-writer-nogui), else undefined. */
export function soffice(): string | undefined {
  for (const bin of ['soffice', 'libreoffice']) {
    const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return undefined;
}

/** Converts a .docx to PDF with LibreOffice headless (own profile dir) and returns its page count and text. */
export function docxToPdf(bin: string, docx: Buffer): { pages: number; text: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'dengbao-lo-'));
  try {
    const file = path.join(dir, 'report.docx');
    writeFileSync(file, docx);
    execFileSync(bin, [`-env:UserInstallation=file://${dir}/profile`, '--headless', '--convert-to', 'pdf', '--outdir', dir, file], { timeout: 240_000, stdio: 'pipe' });
    const pdf = path.join(dir, 'report.pdf');
    readFileSync(pdf);
    const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
    const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    return { pages: Number(/Pages:\s+(\d+)/.exec(info)![1]), text };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Polls a report job until it is done or failed (every 200 ms, for at most `timeoutMs`). */
export async function waitDone(agent: { get(url: string): any }, id: string, timeoutMs = 60_000): Promise<Record<string, any>> {
  for (let i = 0; i < timeoutMs / 200; i++) {
    const job = (await agent.get(`/api/v1/reports/${id}`).expect(200)).body;
    if (job.status === 'done' || job.status === 'failed') return job;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('report did not finish');
}
