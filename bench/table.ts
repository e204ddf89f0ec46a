/**
 * The bench's one table per engine: each section adds rows (median and p95 of repeated runs,
 * optionally a ratio measured in the same run and a target), and the runner prints them together.
 * Figures only: the bench asserts nothing.
 */
import { performance } from 'node:perf_hooks';

export interface Stats {
  median: number;
  p95: number;
  runs: number;
}

export interface BenchRow {
  section: string;
  name: string;
  stats?: Stats;
  /** A measured ratio (e.g. PDF time ÷ Chromium alone) or a throughput figure, already formatted. */
  figure?: string;
  /** The target, e.g. "≤ 200 ms", so a reader sees the gap at once. */
  target?: string;
}

/** Runs `fn` `runs` times (after `warmup` unmeasured runs) and returns the median and p95 in ms. */
export async function measure<T>(fn: () => Promise<T> | T, runs = 7, warmup = 1): Promise<Stats & { last: T }> {
  let last!: T;
  for (let i = 0; i < warmup; i++) last = await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    last = await fn();
    times.push(performance.now() - t0);
  }
  return { ...summarize(times), last };
}

export function summarize(times: number[]): Stats {
  const s = [...times].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
  return { median: at(0.5), p95: at(0.95), runs: s.length };
}

export class BenchTable {
  readonly rows: BenchRow[] = [];
  constructor(readonly engine: string) {}

  add(row: BenchRow): void {
    this.rows.push(row);
  }

  /** A Markdown table, ready for README and the issue note. */
  toMarkdown(): string {
    const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
    const lines = [`### ${this.engine}`, '', '| section | measure | median ms | p95 ms | figure | target |', '|---|---|---:|---:|---|---|'];
    for (const r of this.rows) {
      lines.push(`| ${r.section} | ${r.name} | ${r.stats ? ms(r.stats.median) : ''} | ${r.stats ? ms(r.stats.p95) : ''} | ${r.figure ?? ''} | ${r.target ?? ''} |`);
    }
    return lines.join('\n');
  }
}
