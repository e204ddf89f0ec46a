import type { LayerCode, RequirementSet } from '../../server/catalogue/schema.js';
import type { WorkbookUnit } from './data.js';
import { isCloudLabel } from './layout.js';
import { normaliseText } from './text.js';

/**
 * Matching a field workbook's row to a catalogue unit: layer (from the sheet) + control point
 * (column B) + requirement text (column C), all normalised (normaliseText).
 *
 * - The item letter the field writes before the text (`a）`, `b)`, `a.`, `（a）`, stray spaces
 *   allowed) is stripped, and kept as a hint: letter n = the n-th item of the control point.
 * - Within the control point (of the row's requirement set when column A names one — a cloud
 *   label, however spelled, or 安全通用要求 — otherwise of either set) a row matches:
 *   1. `exact`: its normalised text equals a unit's (zh or en);
 *   2. `similarity`: the most similar unit has similarity ≥ SIMILARITY_THRESHOLD (0.80);
 *   3. `letter`: the unit its letter points at has similarity ≥ LETTER_THRESHOLD (0.50) — the
 *      control point and the letter agree, the wording differs more (an item reworded).
 *   Otherwise the row is unmatched, with the nearest unit and its similarity.
 * - Similarity: Sørensen–Dice coefficient over the character bigrams of the normalised texts
 *   (deterministic, 0…1; `应进行` vs `进行` in a 40-character item ≈ 0.97).
 */
export const SIMILARITY_THRESHOLD = 0.8;
export const LETTER_THRESHOLD = 0.5;

export type MatchedBy = 'exact' | 'letter' | 'similarity';

export interface UnitMatch {
  unit: WorkbookUnit;
  matchedBy: MatchedBy;
  similarity: number;
}

export interface Nearest {
  code: string;
  controlPoint: string;
  text: string;
  similarity: number;
}

export type RowMatch = ({ ok: true } & UnitMatch) | { ok: false; reason: 'unknown_control_point' | 'no_matching_requirement'; nearest: Nearest | null };

const LETTER = /^\s*[(]?\s*([a-z])\s*[).、:]\s*/i;

/** The requirement text without its leading item letter, and the letter's index (a → 0), or null. */
export function stripItemLetter(text: string): { text: string; letter: number | null } {
  const t = text.normalize('NFKC');
  const m = LETTER.exec(t);
  // "a）" and "(a)" but not a text that merely starts with a Latin word ("SSL…", "IP…").
  if (!m || (!/[(]/.test(m[0]) && /^[a-z]{2}/i.test(t.trimStart()))) return { text, letter: null };
  return { text: t.slice(m[0].length), letter: m[1]!.toLowerCase().charCodeAt(0) - 97 };
}

function bigrams(s: string): Map<string, number> {
  const out = new Map<string, number>();
  const chars = [...s];
  if (chars.length === 1) out.set(s, 1);
  for (let i = 0; i + 1 < chars.length; i++) {
    const b = chars[i]! + chars[i + 1]!;
    out.set(b, (out.get(b) ?? 0) + 1);
  }
  return out;
}

/** Dice similarity of two already-normalised strings (multiset of character bigrams). */
export function similarity(a: string, b: string): number {
  if (a === b) return 1;
  if (!a || !b) return 0;
  const x = bigrams(a);
  const y = bigrams(b);
  let common = 0;
  let nx = 0;
  let ny = 0;
  for (const n of x.values()) nx += n;
  for (const n of y.values()) ny += n;
  for (const [k, n] of x) common += Math.min(n, y.get(k) ?? 0);
  // Two decimals; only identical texts get 1.
  return Math.min(0.99, Math.round(((2 * common) / (nx + ny)) * 100) / 100);
}

/** The set named in column A: a cloud label (any spelling), the general set, or null (blank or unknown). */
export function setOfLabel(label: string): RequirementSet | null {
  if (!label.trim()) return null;
  if (isCloudLabel(label)) return 'cloud';
  if (/通用|general/i.test(label)) return 'general';
  return null;
}

interface Group {
  set: RequirementSet;
  units: Array<WorkbookUnit & { norm: string[] }>;
}

/** The catalogue (one level's units in scope) indexed by layer and normalised control-point name. */
export class CatalogueIndex {
  private groups = new Map<string, Group[]>();
  private byLayer = new Map<string, Array<WorkbookUnit & { norm: string[] }>>();

  constructor(units: readonly WorkbookUnit[]) {
    const bySetPoint = new Map<string, Group>();
    for (const u of units) {
      const entry = { ...u, norm: [normaliseText(u.text.zh), normaliseText(u.text.en)] };
      this.byLayer.set(u.layer, [...(this.byLayer.get(u.layer) ?? []), entry]);
      const gk = `${u.layer}|${u.set}|${u.controlPoint.order}`;
      let g = bySetPoint.get(gk);
      if (!g) {
        g = { set: u.set, units: [] };
        bySetPoint.set(gk, g);
        for (const name of new Set([normaliseText(u.controlPoint.zh), normaliseText(u.controlPoint.en)])) {
          const k = `${u.layer}|${name}`;
          this.groups.set(k, [...(this.groups.get(k) ?? []), g]);
        }
      }
      g.units.push(entry);
    }
  }

  /** True when the layer has a control point of this name (in any set). */
  hasControlPoint(layer: LayerCode, controlPoint: string): boolean {
    return this.groups.has(`${layer}|${normaliseText(controlPoint)}`);
  }

  /** Units of a control point, in standard order, per set (the row's set first when it has one). */
  controlPointUnits(layer: LayerCode, controlPoint: string): Array<WorkbookUnit & { norm: string[] }> {
    return (this.groups.get(`${layer}|${normaliseText(controlPoint)}`) ?? []).flatMap((g) => g.units);
  }

  match(layer: LayerCode, setLabel: string, controlPoint: string, rawText: string): RowMatch {
    const { text, letter } = stripItemLetter(rawText);
    const norm = normaliseText(text);
    const all = this.groups.get(`${layer}|${normaliseText(controlPoint)}`) ?? [];
    if (!all.length) {
      const near = this.scored(norm, this.byLayer.get(layer) ?? []).sort((a, b) => b.similarity - a.similarity)[0];
      return { ok: false, reason: 'unknown_control_point', nearest: near ? nearestOf(near.unit, near.similarity) : null };
    }
    // The row's set first when column A names one that has this control point; then either set's
    // point of that name (column A is blank or filled down from the block above in many files).
    const set = setOfLabel(setLabel);
    const preferred = set ? all.filter((g) => g.set === set) : [];
    if (preferred.length && preferred.length < all.length) {
      const m = this.matchIn(preferred, norm, letter);
      if (m.ok) return m;
    }
    return this.matchIn(all, norm, letter);
  }

  private scored(norm: string, us: Array<WorkbookUnit & { norm: string[] }>) {
    return us.map((u) => ({ unit: u, similarity: Math.max(...u.norm.map((n) => similarity(norm, n))) }));
  }

  private matchIn(groups: Group[], norm: string, letter: number | null): RowMatch {
    const candidates = this.scored(norm, groups.flatMap((g) => g.units));
    const exact = candidates.find((c) => c.unit.norm.includes(norm));
    if (exact) return { ok: true, unit: strip(exact.unit), matchedBy: 'exact', similarity: 1 };
    const lettered = letter === null ? [] : groups.map((g) => g.units[letter]).filter((u): u is WorkbookUnit & { norm: string[] } => !!u);
    // Best first; on a tie the unit the letter points at.
    candidates.sort((a, b) => b.similarity - a.similarity || Number(lettered.includes(b.unit)) - Number(lettered.includes(a.unit)));
    const best = candidates[0]!;
    if (best.similarity >= SIMILARITY_THRESHOLD) return { ok: true, unit: strip(best.unit), matchedBy: 'similarity', similarity: best.similarity };
    const byLetter = candidates.filter((c) => lettered.includes(c.unit) && c.similarity >= LETTER_THRESHOLD)[0];
    if (byLetter) return { ok: true, unit: strip(byLetter.unit), matchedBy: 'letter', similarity: byLetter.similarity };
    return { ok: false, reason: 'no_matching_requirement', nearest: nearestOf(best.unit, best.similarity) };
  }
}

function strip(u: WorkbookUnit & { norm: string[] }): WorkbookUnit {
  const { norm: _n, ...unit } = u;
  return unit;
}

const nearestOf = (u: WorkbookUnit, s: number): Nearest => ({ code: u.code, controlPoint: u.controlPoint.zh, text: u.text.zh, similarity: s });
