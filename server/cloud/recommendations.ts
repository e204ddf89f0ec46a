import type { ProductCatalogue } from './products.js';

export interface Recommendation {
  category: { id: string; name: { zh: string; en: string } };
  closes: Array<{ unit: string; coverage: 'full' | 'partial'; how: { zh: string; en: string } }>;
  products: Array<{ vendor: string; id: string; name: { zh: string; en: string } }>;
}

/**
 * A small set of capability categories that address the gaps, chosen greedily: each step takes the
 * category covering the most gaps not yet covered (ties: more full coverage, then the category id),
 * until no category covers a remaining gap. Deterministic for the same gaps.
 */
export function recommend(pc: ProductCatalogue, gaps: readonly string[]): { recommendations: Recommendation[]; uncovered: string[] } {
  const remaining = new Set(gaps);
  const recommendations: Recommendation[] = [];
  const candidates = [...pc.categories].sort((a, b) => a.id.localeCompare(b.id));
  for (;;) {
    let best: { c: (typeof candidates)[number]; hits: typeof candidates[number]['covers']; full: number } | undefined;
    for (const c of candidates) {
      const hits = c.covers.filter((cov) => remaining.has(cov.unit));
      const full = hits.filter((h) => h.coverage === 'full').length;
      if (hits.length && (!best || hits.length > best.hits.length || (hits.length === best.hits.length && full > best.full))) best = { c, hits, full };
    }
    if (!best) break;
    for (const h of best.hits) remaining.delete(h.unit);
    recommendations.push({
      category: { id: best.c.id, name: best.c.name },
      closes: best.hits.map((h) => ({ unit: h.unit, coverage: h.coverage, how: h.how })).sort((a, b) => a.unit.localeCompare(b.unit)),
      products: pc.products
        .filter((p) => p.categories.includes(best!.c.id))
        .map((p) => ({ vendor: p.vendor.id, id: p.id, name: p.name }))
        .sort((a, b) => a.vendor.localeCompare(b.vendor) || a.id.localeCompare(b.id)),
    });
  }
  return { recommendations, uncovered: [...remaining].sort() };
}
