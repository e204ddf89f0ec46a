import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import localizeEnModule from 'ajv-i18n/localize/en/index.js';
import localizeZhModule from 'ajv-i18n/localize/zh/index.js';
import { projectRoot } from '../../server/version.js';

/**
 * OSCAL documents checked against the official NIST OSCAL 1.1.3 JSON Schemas (draft-07, in
 * reports/oscal/schemas/) with ajv and ajv-formats, the way NIST documents it. Errors are listed
 * by JSON path (`$.catalog.metadata.title`) with ajv-i18n's messages: Chinese for zh-CN, English
 * otherwise.
 */
export interface SchemaError {
  path: string;
  message: string;
}
export type OscalModel = 'catalog' | 'profile' | 'assessment-results' | 'poam' | 'component';

type AddFormats = (ajv: Ajv) => Ajv;
// CommonJS modules whose module.exports is the function (their .d.ts says `export default`).
type Localize = (errors?: ErrorObject[] | null) => void;
const localizeEn = localizeEnModule as unknown as Localize;
const localizeZh = localizeZhModule as unknown as Localize;
// allErrors: the import lists every problem (up to its limit), not only the first.
const ajv = new Ajv({ allErrors: true, strict: false });
(addFormatsModule as unknown as AddFormats)(ajv);

// From the project root, so a build in dist/ finds the same files (like templates/).
const dir = () => path.join(projectRoot(), 'reports', 'oscal', 'schemas');
const compiled = new Map<OscalModel, ValidateFunction>();

function compile(model: OscalModel): ValidateFunction {
  let v = compiled.get(model);
  if (!v) compiled.set(model, (v = ajv.compile(JSON.parse(readFileSync(path.join(dir(), `oscal_${model}_schema.json`), 'utf8')))));
  return v;
}

/** `/catalog/groups/0/id` → `$.catalog.groups[0].id` (a property that is not an identifier in brackets). */
export function jsonPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((at, key) => (/^\d+$/.test(key) ? `${at}[${key}]` : /^[A-Za-z_$][\w$-]*$/.test(key) ? `${at}.${key}` : `${at}[${JSON.stringify(key)}]`), '$');
}

/** A property that is not allowed is named in the path itself, where the user must remove it. */
const pathOf = (e: ErrorObject) =>
  jsonPath(e.keyword === 'additionalProperties' ? `${e.instancePath}/${String((e.params as { additionalProperty: string }).additionalProperty).replace(/~/g, '~0').replace(/\//g, '~1')}` : e.instancePath);

export class OscalSchemaCheck {
  constructor(private readonly model: OscalModel) {}

  /** The first `limit` errors, each with the JSON path of the offending value; none when valid. */
  validate(doc: unknown, limit = 50, lang: string = 'en'): SchemaError[] {
    const validate = compile(this.model);
    if (validate(doc)) return [];
    const errors = (validate.errors ?? []).slice(0, limit);
    (lang === 'zh-CN' ? localizeZh : localizeEn)(errors);
    return errors.map((e) => ({ path: pathOf(e), message: e.message ?? e.keyword }));
  }
}

/** The check of one OSCAL model. */
export function oscalValidator(model: OscalModel): OscalSchemaCheck {
  return new OscalSchemaCheck(model);
}
