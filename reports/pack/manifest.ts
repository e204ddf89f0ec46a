/**
 * The evidence pack's layout, shared by the builder (build.ts) and the checker (verify.ts).
 *
 *   evidence/<evidence id>-v<version>-<sanitised original name>   the evidence files (current versions)
 *   report/…                                                       archived report files (when given)
 *   index.html                                                     the offline, self-contained browser
 *   manifest.json                                                  what is in the pack, with SHA-256 and size per file
 *   manifest.sha256                                                `sha256sum` lines for manifest.json and index.html
 *
 * manifest.json covers every file under evidence/ and report/; manifest.sha256 covers the two
 * files the manifest cannot list (itself and index.html), so every entry is checked. Both are
 * written last: the hashes are those of the bytes streamed into the archive. This detects
 * damage and edits that were not carried into the manifest; it is not a signature.
 */
export const PACK_FORMAT = 'dengbao-evidence-pack/1';
export const MANIFEST = 'manifest.json';
export const MANIFEST_CHECKSUMS = 'manifest.sha256';
export const INDEX = 'index.html';

export type PackLink =
  | { type: 'assessment_result'; unit: string; object: string | null }
  | { type: 'finding' | 'remediation_verification'; finding: string }
  | { type: 'system' };

export interface PackManifestFile {
  path: string;
  sha256: string;
  size: number;
  /** null for files that are not evidence records (e.g. the report). */
  evidenceId: string | null;
  title: string | null;
  version: number | null;
  mediaType: string | null;
  kind: string | null;
  originalName: string | null;
  /** Test-unit codes of the results the evidence is linked to. */
  linkedUnits: string[];
  /** Names of the assessed objects of those results (results on the whole system add none). */
  linkedObjects: string[];
  /** Numbers (T001…) of the findings the evidence is linked to, as finding or as remediation verification. */
  linkedFindings: string[];
  /** Every link, typed. */
  links: PackLink[];
}

export interface PackManifest {
  format: typeof PACK_FORMAT;
  generator: { name: 'dengbao'; version: string };
  generatedAt: string;
  assessment: {
    id: string;
    revision: number;
    reportNumber: string | null;
    level: number;
    kind: string;
    status: string;
    system: { id: string; name: string };
    organization: { id: string; name: string; nameEn: string | null };
  };
  summary: {
    overallRate: number | null;
    progress: { assessed: number; total: number };
    units: { total: number; complete: number; applicable: number; counts: Record<string, number> };
    resultCounts: Record<string, number>;
    findings: { total: number; byRisk: Record<string, number> };
    /** 重大风险隐患: total before remediation, remediated, the count the conclusion used, and each hazard. */
    hazards: {
      total: number;
      remediated: number;
      counted: number;
      display: { zh: string; en: string };
      list: Array<{
        number: string;
        trigger: string;
        title: { zh: string; en: string };
        status: string;
        dates: { suspected: string; confirmed: string | null; remediated: string | null };
        findings: string[];
        principles: { relevance: string | null; severity: string | null; prevalence: string | null };
        description: string | null;
      }>;
    };
    conclusion: { conclusion: string; label: { zh: string; en: string }; value: number | null; provisional: boolean; rule: { zh: string; en: string } };
    override: { conclusion: string; reason: string; by?: string; at?: string } | null;
    finalConclusion: string;
  };
  files: PackManifestFile[];
}

/** `sha256sum` format: "<hex>  <name>" per line. */
export function checksumLines(entries: Array<{ name: string; sha256: string }>): string {
  return entries.map((e) => `${e.sha256}  ${e.name}\n`).join('');
}

export function parseChecksumLines(text: string): Map<string, string> | undefined {
  const out = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
    if (!m) return undefined;
    out.set(m[2]!, m[1]!);
  }
  return out;
}
