import { expect } from 'chai';
import { detectLanguage, fromAcceptLanguage, translator } from '../../server/i18n.js';

describe('language detection', () => {
  it('defaults to zh-CN', () => {
    expect(detectLanguage(undefined, undefined, undefined)).to.equal('zh-CN');
  });
  it('prefers ?lang= over the cookie over Accept-Language', () => {
    expect(detectLanguage('en', 'zh-CN', 'zh-CN')).to.equal('en');
    expect(detectLanguage(undefined, 'en', 'zh-CN')).to.equal('en');
    expect(detectLanguage(undefined, undefined, 'en-US,en;q=0.9')).to.equal('en');
    expect(detectLanguage('fr', undefined, 'en')).to.equal('en');
  });
  it('ranks Accept-Language by q', () => {
    expect(fromAcceptLanguage('fr;q=1, en;q=0.5, zh;q=0.8')).to.equal('zh-CN');
    expect(fromAcceptLanguage('de')).to.equal(undefined);
  });
  it('translates per language without switching a global', () => {
    const zh = translator('zh-CN');
    const en = translator('en');
    expect(zh('errors.forbidden')).to.equal('无权执行此操作');
    expect(en('errors.forbidden')).to.equal('You are not allowed to do this');
    expect(zh('errors.forbidden')).to.equal('无权执行此操作');
  });
  it('has every English key in Chinese too', async () => {
    const en = (await import('../../server/locales/en.json', { with: { type: 'json' } })).default;
    const zh = (await import('../../server/locales/zh-CN.json', { with: { type: 'json' } })).default;
    const keys = (o: object, p = ''): string[] =>
      Object.entries(o).flatMap(([k, v]) => (typeof v === 'object' ? keys(v, `${p}${k}.`) : [`${p}${k}`]));
    expect(keys(zh).sort()).to.deep.equal(keys(en).sort());
  });
});
