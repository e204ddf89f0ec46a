import type { ServiceContext } from '../context.js';
import { now } from '../util.js';
import { SummaryService } from './summary.js';

/** What the dashboard shows of an assessment's summary. */
export interface SummaryDigest {
  rate: number | null;
  conclusion: string;
  label: { zh: string; en: string };
}

/**
 * The summaries' digests of several assessments: one read of `assessment_summaries`, and only the
 * assessments without a current row (new, or changed since: triggers delete the row, see the
 * migration 20261201R) are computed in full and stored for the next reader.
 */
export async function summaryDigests(ctx: ServiceContext, assessments: ReadonlyArray<{ id: string; revision: number; scheme: string }>): Promise<Map<string, SummaryDigest>> {
  const out = new Map<string, SummaryDigest>();
  if (!assessments.length) return out;
  const rows: Array<Record<string, any>> = await ctx.knex('assessment_summaries').whereIn('assessment_id', assessments.map((a) => a.id));
  const stored = new Map(rows.map((r) => [r.assessment_id as string, r]));
  const missing = [];
  for (const a of assessments) {
    const r = stored.get(a.id);
    if (r && Number(r.revision) === Number(a.revision) && r.scheme === a.scheme) out.set(a.id, { rate: r.rate === null ? null : Number(r.rate), conclusion: r.conclusion, label: JSON.parse(r.label) });
    else missing.push(a);
  }
  const summaries = new SummaryService(ctx);
  for (const a of missing) {
    const s = await summaries.summary(a.id);
    const digest: SummaryDigest = { rate: s.overall.rate ?? null, conclusion: s.conclusion.conclusion, label: s.conclusion.label };
    out.set(a.id, digest);
    await ctx.knex('assessment_summaries')
      .insert({ assessment_id: a.id, revision: a.revision, scheme: a.scheme, rate: digest.rate, conclusion: digest.conclusion, label: JSON.stringify(digest.label), computed_at: now() })
      .onConflict('assessment_id')
      .merge();
  }
  return out;
}
