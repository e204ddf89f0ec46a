/**
 * Dates as a report reader expects them, never raw ISO: 2026年10月15日 / 15 October 2026, and a
 * timestamp in China time (the reports' time zone) to the minute. A range with no end date is its
 * start alone ("2026年10月15日起" / "from 15 October 2026"), never a dangling dash.
 */
const EN_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export function reportDate(date: string | null | undefined, lang: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(date ?? '');
  if (!m) return date ?? '';
  const [, y, mo, d] = m;
  return lang === 'zh-CN' ? `${y}年${Number(mo)}月${Number(d)}日` : `${Number(d)} ${EN_MONTHS[Number(mo) - 1]} ${y}`;
}

/** An ISO timestamp (UTC) in Asia/Shanghai (UTC+8, no daylight saving), as YYYY-MM-DDTHH:MM. */
const inChina = (iso: string | null | undefined) => {
  const t = Date.parse(iso ?? '');
  return Number.isNaN(t) ? null : new Date(t + 8 * 3600_000).toISOString().slice(0, 16);
};

/** A timestamp as a date and time in China time, to the minute. */
export function reportDateTime(iso: string | null | undefined, lang: string): string {
  const local = inChina(iso);
  return local ? `${reportDate(local.slice(0, 10), lang)} ${local.slice(11, 16)}` : (iso ?? '');
}

/** The day (in China) of a timestamp, as a date in the report's language. */
export function reportDay(iso: string | null | undefined, lang: string): string {
  const local = inChina(iso);
  return local ? reportDate(local.slice(0, 10), lang) : '';
}

export function reportDateRange(start: string | null | undefined, end: string | null | undefined, lang: string): string {
  const zh = lang === 'zh-CN';
  if (start && end) return start === end ? reportDate(start, lang) : `${reportDate(start, lang)}${zh ? '至' : ' to '}${reportDate(end, lang)}`;
  if (start) return zh ? `${reportDate(start, lang)}起` : `from ${reportDate(start, lang)}`;
  if (end) return zh ? `至${reportDate(end, lang)}` : `until ${reportDate(end, lang)}`;
  return '';
}
