import type { ObjectInput } from './objects.js';

/**
 * Assessed objects pasted from a spreadsheet: one per line, cells separated by tabs (as Excel
 * copies them) or commas, in the order category, name, IP, version, importance. The category is
 * its Chinese or English name, a part of a Chinese name split at "/" (服务器 for 服务器/存储设备),
 * or its code; the importance 关键/重要/一般 or key/important/general (empty: general). A header
 * line is skipped. Pure: the page shows each refused line with its reason and saves nothing then.
 */
export interface PasteCategory {
  code: string;
  zh: string;
  en: string;
}
export interface PasteLineError {
  line: number;
  text: string;
  /** field_errors.<rule> in the locales. */
  rule: 'paste_columns' | 'paste_category' | 'paste_name' | 'paste_importance' | 'paste_too_long';
  params: Record<string, string | number>;
}

const IMPORTANCE: Record<string, ObjectInput['importance']> = {
  关键: 'key', 重要: 'important', 一般: 'general', key: 'key', important: 'important', general: 'general', '': 'general',
};
const HEADER = /^(类别|类型|对象类别|category)$/i;
export const PASTE_MAX_LINES = 500;

export function parsePastedObjects(text: string, categories: readonly PasteCategory[]): { objects: ObjectInput[]; errors: PasteLineError[] } {
  const byName = new Map<string, string>();
  for (const c of categories) {
    for (const n of [c.code, c.zh, c.en, ...c.zh.split(/[/／]/)]) byName.set(n.trim().toLowerCase(), c.code);
  }
  const objects: ObjectInput[] = [];
  const errors: PasteLineError[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim()) return;
    const cells = (raw.includes('\t') ? raw.split('\t') : raw.split(/[,，]/)).map((c) => c.trim());
    if (line === 1 && HEADER.test(cells[0] ?? '')) return;
    const fail = (rule: PasteLineError['rule'], params: PasteLineError['params'] = {}) => errors.push({ line, text: raw.slice(0, 200), rule, params });
    if (cells.length < 2 || cells.length > 5) return fail('paste_columns', { count: cells.length });
    const [category = '', name = '', ip = '', version = '', importance = ''] = cells;
    const code = byName.get(category.toLowerCase());
    if (!code) return fail('paste_category', { value: category });
    if (!name) return fail('paste_name');
    if (name.length > 200 || ip.length > 100 || version.length > 100) return fail('paste_too_long');
    const imp = IMPORTANCE[importance.toLowerCase()] ?? IMPORTANCE[importance];
    if (!imp) return fail('paste_importance', { value: importance });
    objects.push({ category: code, name, ip: ip || null, version: version || null, importance: imp });
  });
  if (objects.length + errors.length > PASTE_MAX_LINES) errors.unshift({ line: PASTE_MAX_LINES + 1, text: '', rule: 'paste_too_long', params: { max: PASTE_MAX_LINES } });
  return { objects, errors };
}
