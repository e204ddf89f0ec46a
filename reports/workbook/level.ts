import type { WorkbookUnit } from './data.js';
import type { ParsedSheet } from './import.js';
import { CatalogueIndex } from './match.js';
import { sheetKinds } from './sheet-kind.js';
import type { WorkbookData } from './data.js';

/**
 * Which protection level a workbook was written for. For each level, the rows of recognised
 * sheets are matched against that level's catalogue (same requirement sets):
 *
 *   score = (rows matched ÷ rows read) × (units matched ÷ units of the control points the file touches)
 *
 * i.e. how much of the file the level explains, times how much of the level's touched control
 * points the file covers (a level-3 file explains most of level 4's text but covers only part of
 * it). Rows exported by dengbao count for the level in their unit code. The file is of another
 * level when that level scores at least MARGIN (0.05) above the assessment's own level and
 * explains at least as many rows (a whole level-3 field workbook scores ≈0.97 at level 3 and
 * ≈0.88 at level 4; a level-4 one ≈0.99 at level 4 and ≈0.90 at level 3).
 */
const MARGIN = 0.05;
/**
 * Fewer rows than this cannot tell a level: a handful of rows that exist at levels 2, 3 and 4
 * alike scores best at the level with the fewest items per control point (level 2). Such a file
 * is taken as written for the assessment's level.
 */
const MIN_ROWS = 20;

export interface LevelScore {
  level: number;
  score: number;
  matched: number;
  rows: number;
}

export function scoreLevels(sheets: ParsedSheet[], data: WorkbookData, unitsByLevel: ReadonlyMap<number, WorkbookUnit[]>): LevelScore[] {
  const kindOf = sheetKinds(data);
  const kinds = sheets.map((s) => (s.headerRow === null ? null : kindOf(s.name, s.firstLine, s.headerRow)));
  const out: LevelScore[] = [];
  for (const [level, units] of unitsByLevel) {
    const index = new CatalogueIndex(units);
    let rows = 0;
    let matched = 0;
    const hit = new Set<string>();
    const touched = new Set<string>();
    sheets.forEach((sheet, i) => {
      const kind = kinds[i];
      for (const r of sheet.rows) {
        const coded = /^L(\d)-[A-Z]{3}\d-\d{2}$/.exec(r.code);
        rows++;
        if (coded) {
          if (Number(coded[1]) === level) {
            matched++;
            hit.add(r.code);
          }
          continue;
        }
        if (!kind || kind.kind === 'unknown') continue;
        for (const u of index.controlPointUnits(kind.layer, r.controlPoint)) touched.add(u.code);
        const m = index.match(kind.layer, r.set, r.controlPoint, r.text);
        if (m.ok) {
          matched++;
          hit.add(m.unit.code);
        }
      }
    });
    for (const code of hit) touched.add(code);
    const score = rows && touched.size ? (matched / rows) * (hit.size / touched.size) : 0;
    out.push({ level, score: Math.round(score * 1000) / 1000, matched, rows });
  }
  return out.sort((a, b) => b.score - a.score || a.level - b.level);
}

/** The level the file was written for when it is clearly not the assessment's, else null. */
export function otherLevel(scores: LevelScore[], own: number): LevelScore | null {
  const mine = scores.find((s) => s.level === own) ?? { score: 0, matched: 0 };
  const best = scores[0];
  if (!best || best.rows < MIN_ROWS) return null;
  return best && best.level !== own && best.score >= mine.score + MARGIN && best.matched >= mine.matched ? best : null;
}
