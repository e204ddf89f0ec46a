/**
 * A small document model between the data and the Word/HTML writers: each document is a list of
 * blocks (headings, paragraphs, tables, marked blanks, bar charts). The builders choose what to
 * say; the writers decide how it looks. All text is plain text: the writers escape it.
 */
export type Cell = string | { lines: string[]; muted?: string[] } | { text: string; fill?: string; bold?: boolean };

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'title'; text: string; subtitle?: string[] }
  | { kind: 'paragraph'; text: string; muted?: boolean; bold?: boolean }
  /** A section whose data dengbao does not hold: the user fills it in Word. */
  | { kind: 'blank'; text: string }
  | { kind: 'table'; header: string[]; rows: Cell[][]; widths?: number[] }
  /** Two-column label/value table without a header row (forms, the cover). */
  | { kind: 'fields'; rows: Array<[string, Cell]> }
  /** A native Word chart (its data is an embedded workbook, so Word's "Edit Data" works). */
  | { kind: 'chart'; chart: 'bar' | 'column'; title: string; categories: string[]; values: Array<number | null>; colors: string[]; percent: boolean }
  | { kind: 'toc'; title: string }
  | { kind: 'pageBreak' };

export interface DocumentSpec {
  lang: string;
  /** Shown in the page header beside the page number (the report number and the system). */
  headerText: string;
  /** Document properties (title, creator). */
  title: string;
  blocks: Block[];
}

export const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(2)}%`);
/** Text or an empty string (never "null"/"undefined" in a document). */
export const txt = (x: unknown): string => (x === null || x === undefined ? '' : String(x));
/** A table cell the user fills in: the marker text on a highlighted background. */
export const blankCell = (text: string): Cell => ({ text, fill: 'FFF59D' });
/** The value, or a marked blank when dengbao does not hold it. */
export const orBlank = (v: unknown, blank: string): Cell => (v === null || v === undefined || v === '' ? blankCell(blank) : String(v));
