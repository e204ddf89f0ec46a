import { matrixRisk } from '../verification/tables.js';

/** The risk-analysis part of a finding row (columns added by migration 20261130J). */
export function riskAnalysisView(r: Record<string, any>) {
  const likelihood = r.likelihood == null ? null : Number(r.likelihood);
  const impact = r.impact == null ? null : Number(r.impact);
  const matrix = likelihood != null && impact != null ? (matrixRisk(likelihood, impact) ?? null) : null;
  return {
    threats: (r.threat_codes ? JSON.parse(r.threat_codes) : []) as string[],
    likelihood,
    impact,
    /** What the matrix gives; `risk` differs from it only with an override reason. */
    matrixRisk: matrix,
    overrideReason: (r.risk_override_reason ?? null) as string | null,
    /** Threats, harm, likelihood and impact are all recorded. */
    complete: !!r.threat_codes && JSON.parse(r.threat_codes).length > 0 && !!r.harm && matrix != null,
  };
}
