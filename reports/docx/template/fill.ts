import type Docxtemplater from 'docxtemplater';
import type PizZip from 'pizzip';
import { lazy } from '../../../server/lazy.js';
import type { ErrorDetail } from '../../../server/errors.js';
import { TEMPLATE_FIELDS, type FieldSpec } from './fields.js';

/**
 * Organisation templates (docxtemplater syntax, README "Word documents"):
 *   {system.name}                         a field (dotted paths into the flat view)
 *   {#findings}…{/findings}               a repeated section; in a table row, the row repeats
 *   {#conclusion.provisional}…{/…}        a section shown when a flag is true (or a text is not empty)
 *   {^hasMajorRisks}…{/hasMajorRisks}     a section shown when it is false / empty
 * Values are inserted as text: docxtemplater escapes XML, and a value is never parsed as a tag.
 */

export interface TemplateProblem extends ErrorDetail {
  /** Where in the template: the part (word/document.xml, a header…) and the character offset in its text. */
  position: { file: string; offset: number | null };
}

// The inspect module's CommonJS export is a factory, not the class its types declare.
const newInspectModule = lazy<() => Inspector>('docxtemplater/js/inspect-module.js');
const docxtemplater = lazy<typeof Docxtemplater>('docxtemplater');
const pizzip = lazy<typeof PizZip>('pizzip');
interface Inspector {
  getTemplatedFiles(): string[];
  getStructuredTags(file?: string): unknown[];
}

/** Dotted paths (`system.name`) and `.` (the current item) against the scope; undefined lets docxtemplater look in outer scopes. */
function parser(tag: string) {
  const path = tag.trim() === '.' ? [] : tag.trim().split('.');
  return {
    get(scope: unknown) {
      let v: unknown = scope;
      for (const k of path) {
        if (v === null || typeof v !== 'object' || !Object.hasOwn(v, k)) return undefined;
        v = (v as Record<string, unknown>)[k];
      }
      return v;
    },
  };
}

function open(file: Buffer, modules: object[] = []): Docxtemplater {
  const zip = new (pizzip())(file);
  return new (docxtemplater())(zip, { paragraphLoop: true, linebreaks: true, parser, modules: modules as never, nullGetter: () => '', errorLogging: false });
}

/** Resolves a dotted tag in the scope chain (innermost first), as docxtemplater does at render time. */
function resolve(tag: string, scopes: Array<Record<string, FieldSpec>>): FieldSpec | undefined {
  const path = tag.trim().split('.');
  for (let i = scopes.length - 1; i >= 0; i--) {
    let spec: FieldSpec | undefined = { object: scopes[i]! };
    for (const k of path) {
      spec = spec && typeof spec === 'object' && 'object' in spec ? spec.object[k] : undefined;
      if (!spec) break;
    }
    if (spec) return spec;
  }
  return undefined;
}

interface Part {
  type: string;
  value: string;
  module?: string;
  offset?: number;
  inverted?: boolean;
  subparsed?: Part[];
}

function checkParts(file: string, parts: Part[], scopes: Array<Record<string, FieldSpec>>, problems: TemplateProblem[]): void {
  for (const part of parts) {
    if (part.type !== 'placeholder') continue;
    const position = { file, offset: part.offset ?? null };
    const spec = resolve(part.value, scopes);
    const isSection = part.module === 'loop';
    if (part.module && !isSection) {
      problems.push({ path: part.value, code: 'unsupported_tag', message: `{${part.module === 'rawxml' ? '@' : ''}${part.value}}: raw XML and other modules are not allowed`, position });
    } else if (!spec) {
      problems.push({ path: part.value, code: 'unknown_placeholder', message: `{${isSection ? '#' : ''}${part.value}} is not a field of the report (see README "Word documents")`, position });
    } else if (!isSection && typeof spec === 'object') {
      problems.push({ path: part.value, code: 'not_a_field', message: `{${part.value}} is a ${'list' in spec ? 'list' : 'group'}: use {#${part.value}}…{/${part.value}}`, position });
    }
    if (part.subparsed) {
      const inner = spec && typeof spec === 'object' && !part.inverted ? ('list' in spec ? spec.list : spec.object) : {};
      checkParts(file, part.subparsed, [...scopes, inner], problems);
    }
  }
}

/** docxtemplater's syntax errors (unclosed tags, unopened loops…) with the tag and where it is. */
function syntaxProblems(err: unknown): TemplateProblem[] | undefined {
  const e = err as { properties?: { errors?: Array<{ message: string; properties?: Record<string, any> }>; id?: string; explanation?: string; file?: string; xtag?: string; offset?: number; context?: string } };
  if (!e?.properties) return undefined;
  const list = e.properties.errors ?? [{ message: (err as Error).message, properties: e.properties }];
  return list.map((x) => ({
    path: String(x.properties?.xtag ?? ''),
    code: String(x.properties?.id ?? 'template_syntax'),
    message: String(x.properties?.explanation ?? x.message),
    position: { file: String(x.properties?.file ?? 'word/document.xml'), offset: typeof x.properties?.offset === 'number' ? x.properties.offset : null },
    ...(x.properties?.context ? { context: String(x.properties.context) } : {}),
  }));
}

/** Checks an uploaded template: a zip with a Word document, valid syntax, only known fields. Returns the problems (empty = accepted) and the fields used. */
export function inspectTemplate(file: Buffer): { problems: TemplateProblem[]; fields: string[] } {
  let zip: PizZip;
  try {
    zip = new (pizzip())(file);
  } catch {
    return { problems: [{ path: 'file', code: 'not_docx', message: 'not a .docx file (not a zip archive)', position: { file: '', offset: null } }], fields: [] };
  }
  if (!zip.file('word/document.xml')) return { problems: [{ path: 'file', code: 'not_docx', message: 'not a Word document (no word/document.xml)', position: { file: '', offset: null } }], fields: [] };
  const inspect = newInspectModule()();
  let doc: Docxtemplater;
  try {
    doc = open(file, [inspect]);
  } catch (err) {
    const problems = syntaxProblems(err);
    if (problems) return { problems, fields: [] };
    return { problems: [{ path: 'file', code: 'not_docx', message: `the Word document cannot be read: ${(err as Error).message}`, position: { file: '', offset: null } }], fields: [] };
  }
  const problems: TemplateProblem[] = [];
  const fields = new Set<string>();
  for (const name of inspect.getTemplatedFiles()) {
    const parts = inspect.getStructuredTags(name) as unknown as Part[];
    const found: TemplateProblem[] = [];
    checkParts(name, parts, [TEMPLATE_FIELDS], found);
    // The text around each problem, so the user finds it in Word.
    const text = found.length ? doc.getFullText(name) : '';
    problems.push(...found.map((p) => (p.position.offset === null ? p : { ...p, context: text.slice(Math.max(0, p.position.offset - 20), p.position.offset + 30) })));
    const walk = (ps: Part[]) => ps.forEach((p) => p.type === 'placeholder' && (fields.add(p.value), p.subparsed && walk(p.subparsed)));
    walk(parts);
  }
  return { problems, fields: [...fields].sort() };
}

/** Fills an (accepted) template with the flat view. */
export function fillTemplate(file: Buffer, view: Record<string, unknown>): Buffer {
  const doc = open(file);
  doc.render(view);
  return doc.getZip().generate({ type: 'nodebuffer', compression: 'DEFLATE' }) as Buffer;
}
