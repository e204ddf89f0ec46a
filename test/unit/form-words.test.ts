import { expect } from 'chai';
import type { Request } from 'express';
import { z } from 'zod';
import { ValidationError, type ErrorDetail } from '../../server/errors.js';
import { translator, type Language } from '../../server/i18n.js';
import { parseForm as parseFormIssues } from '../../server/web/form-issues.js';
import { parseForm } from '../../server/web/form-parse.js';
import { parseFormWith } from '../../server/web/form-values.js';
import { detailText } from '../../server/web/page-errors.js';

/**
 * Page forms say a refusal in the user's words ("至少 10 个字"), whichever of the three form
 * readers a page uses: zod's own localised messages name types ("数值过小：期望 string >=10 字符").
 */
const schema = z.strictObject({
  reason: z.string().trim().min(10).max(2000),
  name: z.string().max(3),
  kind: z.enum(['a', 'b']),
  note: z.string().min(1),
  on: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
  email: z.email(),
});
const typed = { reason: '太短了', name: '四个字了', kind: 'c', on: '2026/1/1', email: 'not an address' };

const req = (lang: Language) => ({ lang, t: translator(lang) }) as unknown as Request;
function said(lang: Language, read: (r: Request) => unknown): Record<string, string> {
  try {
    read(req(lang));
  } catch (err) {
    expect(err).to.be.instanceOf(ValidationError);
    return Object.fromEntries((err as { details: ErrorDetail[] }).details.map((d: ErrorDetail) => [d.path, detailText(req(lang), d)]));
  }
  throw new Error('the form was accepted');
}

describe('page forms refuse in the user’s words, whichever reader a page uses', () => {
  const readers: Array<[string, (r: Request) => unknown]> = [
    ['form-parse', (r) => parseForm(r, schema, typed, { on: 'date' })],
    ['form-values', (r) => parseFormWith(r, schema, typed)],
    ['form-issues', (r) => parseFormIssues(r, schema, typed)],
  ];
  for (const [name, read] of readers) {
    it(`${name}: zh-CN and en`, () => {
      const zh = said('zh-CN', read);
      expect(zh).to.include({ reason: '至少 10 个字', name: '最多 3 个字', kind: '请从列表中选择', email: '应为电子邮箱地址' });
      expect(zh.note).to.match(/必填|必须填写/);
      expect(Object.values(zh).join(' ')).not.to.match(/期望|string|数值过|无效/);
      const en = said('en', read);
      expect(en).to.include({ reason: 'At least 10 characters', email: 'Must be an email address' });
      expect(Object.values(en).join(' ')).not.to.match(/Too (small|big):|Invalid (input|option|string)|received/);
    });
  }
});
