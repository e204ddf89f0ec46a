import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The CJK fonts shipped with the reports (npm packages, no host fonts): Noto Serif SC in the
 * 宋体 role for body text, Noto Sans SC in the 黑体 role for headings and emphasis. Only the
 * weights the reports use are declared (serif 400, sans 700), each split by fontsource into
 * unicode-range subsets, so Chromium fetches — and embeds — only the subsets a report needs.
 * The printer serves the files under FONT_ORIGIN from node_modules (see PdfPrinter); a browser
 * opening an HTML report falls back to the local fonts named after these families in report.css.
 */
export const FONT_ORIGIN = 'https://fonts.dengbao.invalid';

export const SHIPPED_FONTS = [
  { pkg: 'noto-serif-sc', weight: 400, family: 'dengbao Serif SC', role: 'body (宋体)' },
  { pkg: 'noto-sans-sc', weight: 700, family: 'dengbao Sans SC', role: 'headings (黑体)' },
] as const;

const require = createRequire(import.meta.url);
const packageDirs = new Map<string, string>();
/** The directory of a shipped font package, or undefined when it is not installed. */
export function fontPackageDir(pkg: string): string | undefined {
  if (!packageDirs.has(pkg)) {
    try {
      packageDirs.set(pkg, path.dirname(require.resolve(`@fontsource/${pkg}/package.json`)));
    } catch {
      return undefined;
    }
  }
  return packageDirs.get(pkg);
}

let css: string | undefined;
/** @font-face rules for the shipped fonts, pointing at FONT_ORIGIN (woff2 only: Chromium reads it). */
export function fontFaceCss(): string {
  if (css !== undefined) return css;
  const parts: string[] = [];
  for (const f of SHIPPED_FONTS) {
    const dir = fontPackageDir(f.pkg);
    if (!dir) continue;
    parts.push(
      readFileSync(path.join(dir, `${f.weight}.css`), 'utf8')
        .replace(/\/\*[^*]*\*\//g, '')
        .replace(/font-family: '[^']+'/g, `font-family: '${f.family}'`)
        .replace(/font-display: swap;/g, 'font-display: block;')
        .replace(/src: url\(\.\/files\/([\w.-]+\.woff2)\) format\('woff2'\)(, url\([^)]*\) format\('woff'\))?/g, (_m, file: string) => `src: url(${FONT_ORIGIN}/${f.pkg}/${file}) format('woff2')`),
    );
  }
  css = parts.join('\n');
  return css;
}

/** The font file a FONT_ORIGIN URL names, or undefined when the URL is not one of ours. */
export function fontFileFor(url: string): string | undefined {
  const m = /^https:\/\/fonts\.dengbao\.invalid\/([a-z-]+)\/([\w-]+\.woff2)$/.exec(url);
  if (!m || !SHIPPED_FONTS.some((f) => f.pkg === m[1])) return undefined;
  const dir = fontPackageDir(m[1]!);
  return dir ? path.join(dir, 'files', m[2]!) : undefined;
}
