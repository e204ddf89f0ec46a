import type { ServiceContext } from '../context.js';
import { randomBytes } from 'node:crypto';
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
    if (r && !String(r.computed_at).startsWith('pending:') && Number(r.revision) === Number(a.revision) && r.scheme === a.scheme) out.set(a.id, { rate: r.rate === null ? null : Number(r.rate), conclusion: r.conclusion, label: JSON.parse(r.label) });
    else missing.push(a);
  }
  const summaries = new SummaryService(ctx);
  for (const a of missing) {
    // A placeholder first: a write that lands while the summary is computed fires the triggers,
    // which delete it, and the stale result is then not stored (the update below matches nothing).
    const pending = `pending:${randomBytes(8).toString('hex')}`; // fits computed_at (32)
    await ctx.knex('assessment_summaries')
      .insert({ assessment_id: a.id, revision: a.revision, scheme: a.scheme, rate: null, conclusion: '', label: '{}', computed_at: pending })
      .onConflict('assessment_id')
      .merge();
    const s = await summaries.summary(a.id);
    const digest: SummaryDigest = { rate: s.overall.rate ?? null, conclusion: s.conclusion.conclusion, label: s.conclusion.label };
    out.set(a.id, digest);
    await ctx.knex('assessment_summaries')
      .where({ assessment_id: a.id, computed_at: pending })
      .update({ rate: digest.rate, conclusion: digest.conclusion, label: JSON.stringify(digest.label), computed_at: now() });
  }
  return out;
}
