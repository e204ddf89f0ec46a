/** Calendar dates in China Standard Time (Asia/Shanghai, UTC+8, no daylight saving). */
const shanghai = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' });

/** Today's date in Asia/Shanghai as YYYY-MM-DD. */
export function todayInChina(at: Date = new Date()): string {
  return shanghai.format(at);
}

/** Adds days to a YYYY-MM-DD date. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (both YYYY-MM-DD); negative when `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

// Years 1900–2999 only: dates derived from an input (validity = test date + N months, deadlines)
// must stay YYYY-MM-DD; 9999-12-31 + 12 months overflowed the date columns on PostgreSQL (500).
export const isDate = (s: string): boolean => /^(19|2\d)\d{2}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s);
