import i18next, { type TFunction } from 'i18next';
import en from './locales/en.json' with { type: 'json' };
import zhCN from './locales/zh-CN.json' with { type: 'json' };

export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'zh-CN';

// A private instance: the global i18next singleton is never switched per request.
const instance = i18next.createInstance();
await instance.init({
  resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
  lng: DEFAULT_LANGUAGE,
  fallbackLng: 'en',
  supportedLngs: [...LANGUAGES],
  interpolation: { escapeValue: false },
  initAsync: false,
});

/** A translation function fixed to one language (per request, never global). */
export function translator(lang: Language): TFunction {
  return instance.getFixedT(lang);
}

/** Maps a user-supplied tag (zh, zh-cn, en-US...) to a supported language, or undefined. */
export function normaliseLanguage(tag: string | undefined | null): Language | undefined {
  if (!tag) return undefined;
  const t = tag.trim().toLowerCase();
  if (t.startsWith('zh')) return 'zh-CN';
  if (t.startsWith('en')) return 'en';
  return undefined;
}

/** Picks the first supported language of an Accept-Language header, by q-value. */
export function fromAcceptLanguage(header: string | undefined): Language | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag, q: q ? Number(q.slice(2)) || 0 : 1, i };
    })
    .filter((x) => x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of ranked) {
    const lang = normaliseLanguage(tag);
    if (lang) return lang;
  }
  return undefined;
}

/** Language of a request: ?lang=, then the `lang` cookie, then Accept-Language, then zh-CN. */
export function detectLanguage(query: unknown, cookie: unknown, acceptLanguage: string | undefined): Language {
  return (
    normaliseLanguage(typeof query === 'string' ? query : undefined) ??
    normaliseLanguage(typeof cookie === 'string' ? cookie : undefined) ??
    fromAcceptLanguage(acceptLanguage) ??
    DEFAULT_LANGUAGE
  );
}
