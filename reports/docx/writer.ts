import {
  AlignmentType,
  BorderStyle,
  Document,
  Footer,
  Header,
  HeadingLevel,
  LineRuleType,
  Packer,
  PageBreak,
  PageNumber,
  Paragraph,
  ShadingType,
  Table,
  TableCell,
  TableOfContents,
  TableRow,
  TextRun,
  WidthType,
  type ParagraphChild,
} from 'docx';
import { ChartRun } from 'docx/charts';
import type PizZip from 'pizzip';
import { lazy } from '../../server/lazy.js';
import type { Block, Cell, DocumentSpec } from './blocks.js';
import { BODY_FONT, fontTableXml, HEADING_FONT } from './fonts.js';

const pizzip = lazy<typeof PizZip>('pizzip');

export const DOCX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

const HEADINGS = { 1: HeadingLevel.HEADING_1, 2: HeadingLevel.HEADING_2, 3: HeadingLevel.HEADING_3 } as const;
const MUTED = '666666';
const BLANK = 'B00020';
const HEADER_FILL = 'E8EDF3';
const border = { style: BorderStyle.SINGLE, size: 4, color: '999999' };
const borders = { top: border, bottom: border, left: border, right: border, insideHorizontal: border, insideVertical: border };

/** Text with line breaks as separate runs (Word ignores "\n" inside a run). */
function runs(text: string, options: { bold?: boolean; color?: string; size?: number; font?: typeof HEADING_FONT } = {}): TextRun[] {
  return text.split(/\r?\n/).map((line, i) => new TextRun({ text: line, break: i ? 1 : undefined, ...options }));
}

function cellParagraphs(cell: Cell, header: boolean): Paragraph[] {
  if (typeof cell === 'string') return [new Paragraph({ children: runs(cell, { bold: header, font: header ? HEADING_FONT : undefined }) })];
  if ('lines' in cell) {
    return [
      ...cell.lines.map((l) => new Paragraph({ children: runs(l) })),
      ...(cell.muted ?? []).map((l) => new Paragraph({ children: runs(l, { color: MUTED, size: 18 }) })),
    ];
  }
  return [new Paragraph({ children: runs(cell.text, { bold: cell.bold }) })];
}

function cellFill(cell: Cell): string | undefined {
  return typeof cell === 'object' && 'fill' in cell ? cell.fill : undefined;
}

function tableCell(cell: Cell, header: boolean, width?: number): TableCell {
  const fill = header ? HEADER_FILL : cellFill(cell);
  return new TableCell({
    children: cellParagraphs(cell, header),
    shading: fill ? { type: ShadingType.CLEAR, color: 'auto', fill } : undefined,
    width: width ? { size: width, type: WidthType.PERCENTAGE } : undefined,
  });
}

/** A real Word table: the header row repeats on every page, rows do not split across pages. */
function table(header: string[], rows: Cell[][], widths?: number[]): Table {
  const cols = Math.max(header.length, ...rows.map((r) => r.length), 1);
  const head = header.length ? [new TableRow({ tableHeader: true, cantSplit: true, children: header.map((h, i) => tableCell(h, true, widths?.[i])) })] : [];
  const body = rows.map((r) => new TableRow({ cantSplit: true, children: Array.from({ length: cols }, (_, i) => tableCell(r[i] ?? '', false, widths?.[i])) }));
  if (!head.length && !body.length) body.push(new TableRow({ children: [tableCell('', false)] }));
  return new Table({ rows: [...head, ...body], width: { size: 100, type: WidthType.PERCENTAGE }, borders });
}

function chart(b: Extract<Block, { kind: 'chart' }>): Paragraph {
  const height = b.chart === 'bar' ? Math.max(160, 40 + b.categories.length * 26) : 260;
  return new Paragraph({
    alignment: AlignmentType.CENTER,
    children: [
      new ChartRun({
        type: b.chart,
        title: b.title,
        categories: b.categories,
        series: [{ name: b.title, values: b.values, colors: b.colors }],
        legend: false,
        dataLabels: { value: true, numberFormat: b.percent ? '0.00%' : '0' },
        valueAxis: b.percent ? { minimum: 0, maximum: 1, numberFormat: '0%' } : { minimum: 0 },
        categoryAxis: b.chart === 'bar' ? { reverseOrder: true } : undefined,
        font: { name: BODY_FONT.eastAsia },
        transformation: { width: 576, height },
      }),
    ],
  });
}

function blockToDocx(b: Block): Array<Paragraph | Table | TableOfContents> {
  switch (b.kind) {
    case 'heading':
      return [new Paragraph({ heading: HEADINGS[b.level], children: runs(b.text) })];
    case 'title':
      return [
        new Paragraph({ heading: HeadingLevel.TITLE, alignment: AlignmentType.CENTER, spacing: { before: 1200, after: 400 }, children: runs(b.text) }),
        ...(b.subtitle ?? []).map((s) => new Paragraph({ alignment: AlignmentType.CENTER, spacing: { after: 200 }, children: runs(s, { size: 28 }) })),
      ];
    case 'paragraph':
      return [new Paragraph({ children: runs(b.text, { color: b.muted ? MUTED : undefined, bold: b.bold }) })];
    case 'blank':
      // Marked so the user sees what to fill in: coloured, in brackets, highlighted.
      return [new Paragraph({ children: [new TextRun({ text: b.text, color: BLANK, highlight: 'yellow' })] })];
    case 'table':
      return [table(b.header, b.rows, b.widths), new Paragraph({})];
    case 'fields':
      return [table([], b.rows.map(([k, v]) => [{ text: k, bold: true, fill: HEADER_FILL }, v]), [28, 72]), new Paragraph({})];
    case 'chart':
      return [chart(b)];
    case 'toc':
      return [new Paragraph({ heading: HeadingLevel.TITLE, children: runs(b.title) }), new TableOfContents(b.title, { hyperlink: true, headingStyleRange: '1-3' })];
    case 'pageBreak':
      return [new Paragraph({ children: [new PageBreak()] })];
  }
}

const footerText = (lang: string): ParagraphChild[] =>
  lang === 'zh-CN'
    ? [new TextRun({ children: ['第 ', PageNumber.CURRENT, ' 页  共 ', PageNumber.TOTAL_PAGES, ' 页'] })]
    : [new TextRun({ children: ['Page ', PageNumber.CURRENT, ' of ', PageNumber.TOTAL_PAGES] })];

/**
 * Blocks → .docx: Word's own Heading 1–3 styles (navigation pane, TOC), a TOC field Word updates
 * on open (updateFields), the report number in the header and page numbers in the footer, A4,
 * CJK fonts declared for both roles.
 */
export async function writeDocx(spec: DocumentSpec): Promise<Buffer> {
  const heading = (id: string, name: string, size: number, outlineLevel: number) => ({
    id,
    name,
    basedOn: 'Normal',
    next: 'Normal',
    quickFormat: true,
    run: { font: HEADING_FONT, size, bold: true, color: '000000' },
    paragraph: { outlineLevel, keepNext: true, spacing: { before: 240, after: 120 } },
  });
  const doc = new Document({
    creator: 'dengbao',
    title: spec.title,
    features: { updateFields: true },
    styles: {
      default: { document: { run: { font: BODY_FONT, size: 21 }, paragraph: { spacing: { after: 60, line: 276, lineRule: LineRuleType.AUTO } } } },
      paragraphStyles: [
        heading('Heading1', 'heading 1', 32, 0),
        heading('Heading2', 'heading 2', 28, 1),
        heading('Heading3', 'heading 3', 24, 2),
        { id: 'Title', name: 'Title', basedOn: 'Normal', next: 'Normal', run: { font: HEADING_FONT, size: 40, bold: true }, paragraph: { alignment: AlignmentType.CENTER, spacing: { after: 240 } } },
      ],
    },
    sections: [
      {
        properties: { page: { size: { width: 11906, height: 16838 }, margin: { top: 1440, bottom: 1440, left: 1300, right: 1300 } } },
        headers: { default: new Header({ children: [new Paragraph({ alignment: AlignmentType.RIGHT, children: runs(spec.headerText, { size: 18, color: MUTED }) })] }) },
        footers: { default: new Footer({ children: [new Paragraph({ alignment: AlignmentType.CENTER, children: footerText(spec.lang) })] }) },
        children: spec.blocks.flatMap(blockToDocx),
      },
    ],
  });
  return withFontTable(await Packer.toBuffer(doc));
}

/** Replaces the (empty) font table with one declaring the CJK families and their alternatives. */
function withFontTable(docx: Buffer): Buffer {
  const zip = new (pizzip())(docx);
  zip.file('word/fontTable.xml', fontTableXml());
  return zip.generate({ type: 'nodebuffer', compression: 'DEFLATE' });
}
