import type { TFunction } from 'i18next';

/**
 * Why a platform's conclusion was not reused, in the reader's language. The reasons are stored as
 * English sentences (cloud/platform-rules.ts, cloud/inheritance.ts); pages and reports say them
 * with the `assessment_items.reason_*` texts, never the stored English.
 */
export function inheritanceReasonText(t: TFunction, reason: string | null | undefined): string {
  if (!reason) return '';
  const say = (key: string, params: Record<string, string> = {}) => t(`assessment_items.reason_${key}`, params);
  let m: RegExpExecArray | null;
  if (/not deployed on a cloud platform/.test(reason)) return say('no_platform');
  if (/platform record changed/.test(reason)) return say('platform_changed');
  if ((m = /graded level (\d+), below the system's level (\d+)/.exec(reason))) return say('level_below', { platform: m[1]!, system: m[2]! });
  if ((m = /conclusion expired on (\S+)/.exec(reason))) return say('expired', { date: m[1]! });
  if ((m = /test \((\S+)\) is later than the assessment date (\S+)/.exec(reason))) return say('test_later', { test: m[1]!, date: m[2]! });
  if ((m = /own conclusion is (.+)$/.exec(reason))) return say('poor_conclusion', { conclusion: t(`ui.value_${m[1]}`, { defaultValue: m[1]! }) });
  return say('other');
}
