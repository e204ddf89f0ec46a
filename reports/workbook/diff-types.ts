import type { ResultValue } from './layout.js';
import type { MatchedBy, Nearest } from './match.js';

/** What a workbook import answers (see import.ts): every item names its sheet and Excel row. */

export interface Located {
  sheet: string;
  row: number;
}

export interface ChangedItem extends Located {
  code: string;
  objectId: string | null;
  objectName: string | null;
  controlPoint: string;
  matchedBy: MatchedVia;
  /** 0…1 for text matches (1 when exact), null for machine columns. */
  similarity: number | null;
  /** This import adds the row to the scope, outside the catalogue's default object mapping. */
  outsideDefaultMapping: boolean;
  from: { value: ResultValue; record: string | null };
  to: { value: ResultValue; record: string | null };
  rowVersion: number;
}

export interface ConflictItem extends Located {
  column: string;
  code: string;
  objectId: string | null;
  objectName: string | null;
  message: string;
  fileRowVersion: number;
  serverRowVersion: number;
  server: { value: ResultValue; record: string | null };
  file: { value: ResultValue; record: string | null };
}

export type MatchedVia = MatchedBy | 'machine_columns';

export interface UnmatchedItem extends Located {
  reason: 'no_matching_requirement' | 'unknown_control_point' | 'unknown_sheet' | 'unknown_object' | 'object_not_selected' | 'no_header';
  message: string;
  controlPoint?: string;
  text?: string;
  /** The most similar catalogue unit (of the control point, or of the layer when the control point is unknown). */
  nearest?: Nearest | null;
}

/** A row repeating a matched row of another sheet (copy-paste into another layer's block). */
export interface DuplicateItem extends Located {
  duplicateOf: Located;
  controlPoint: string;
  text: string;
  message: string;
}

/** How one row was matched. */
export interface MatchItem extends Located {
  code: string;
  objectId: string | null;
  matchedBy: MatchedVia;
  similarity: number | null;
  /** This import adds the row to the scope, outside the catalogue's default object mapping. */
  outsideDefaultMapping: boolean;
}

export interface ImportCounts {
  /** Data rows read (sheets without a header not counted). */
  rows: number;
  matched: number;
  unmatched: number;
  duplicates: number;
  /** Rows added outside the catalogue's default object mapping. */
  outsideMapping: number;
  changed: number;
  unchanged: number;
  conflicts: number;
  problems: number;
}

export interface ProblemItem extends Located {
  column: string | null;
  code: string;
  message: string;
  value?: string;
}

export interface WorkbookDiff {
  counts: ImportCounts;
  changed: ChangedItem[];
  unchanged: number;
  conflicts: ConflictItem[];
  unmatched: UnmatchedItem[];
  duplicates: DuplicateItem[];
  problems: ProblemItem[];
  matches: MatchItem[];
}
