/**
 * An error's params in the reader's language: a `reasonKey` / `foundKey` names the translation of
 * the English `reason` / `found` (errors.scan_reasons.*, errors.scan_found.*, filled from the other
 * params), so "cannot import this Nessus file: <why>" reads in Chinese on a Chinese page too.
 * Without a key, or with a key the locale lacks, the English text stays.
 */
export function translatedParams(t: (key: string, opts?: Record<string, unknown>) => string, params: Record<string, unknown>): Record<string, unknown> {
  const out = { ...params };
  const re = /^[a-z0-9_]+$/;
  if (typeof params.reasonKey === 'string' && re.test(params.reasonKey)) out.reason = t(`errors.scan_reasons.${params.reasonKey}`, { ...params, defaultValue: params.reason, interpolation: { escapeValue: false } });
  if (typeof params.foundKey === 'string' && re.test(params.foundKey)) out.expected = t('errors.scan_found.expected', { defaultValue: params.expected });
  if (typeof params.foundKey === 'string' && re.test(params.foundKey)) out.found = t(`errors.scan_found.${params.foundKey}`, { ...params, defaultValue: params.found, interpolation: { escapeValue: false } });
  return out;
}
