import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { projectRoot } from '../version.js';
import { METHODS } from './results.js';

/** controls/record-templates.yaml: one record template per test method, in both languages. */
const templatesSchema = z.strictObject({
  templates: z
    .array(z.strictObject({ method: z.enum(METHODS), zh: z.string().min(1).max(2000), en: z.string().min(1).max(2000) }))
    .refine((ts) => new Set(ts.map((t) => t.method)).size === ts.length, 'one template per method'),
});
export type RecordTemplate = z.infer<typeof templatesSchema>['templates'][number];

let cached: RecordTemplate[] | undefined;

/** Reads and validates a templates file (a broken file fails with its problem, never silently). */
export function readRecordTemplates(file: string): RecordTemplate[] {
  return templatesSchema.parse(parseYaml(readFileSync(file, 'utf8'))).templates;
}

/** The shipped templates (controls/record-templates.yaml), read once. */
export function recordTemplates(): RecordTemplate[] {
  return (cached ??= readRecordTemplates(path.join(projectRoot(), 'controls', 'record-templates.yaml')));
}

/** A template's text for one row: placeholders filled, in the page's language. */
export function fillTemplate(t: RecordTemplate, lang: string, fill: { object: string; unit: string }): string {
  return (lang === 'zh-CN' ? t.zh : t.en).replaceAll('{object}', fill.object).replaceAll('{unit}', fill.unit);
}
