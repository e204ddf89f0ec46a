import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Browser } from 'puppeteer-core';
import { lazy } from '../../server/lazy.js';
import { BrowserLocator, resolveBrowser, type BrowserStatus } from './browser.js';
import { fontFaceCss, fontFileFor } from './fonts.js';

export const BROWSER_INSTALL_HINT = 'run `npx dengbao browser install`, or install Chromium (Debian: apt-get install -y chromium), or set CHROMIUM_PATH';

/** The browser found now (CHROMIUM_PATH, PUPPETEER_EXECUTABLE_PATH, system paths, an earlier download); never downloads. */
export function findChromium(configured?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  return resolveBrowser({ configured, env }).path;
}

const puppeteer = lazy<typeof import('puppeteer-core')>('puppeteer-core');

export class BrowserUnavailableError extends Error {
  constructor() {
    super(`No Chromium found for PDF reports: ${BROWSER_INSTALL_HINT}`);
  }
}

export interface PdfOptions {
  headerText?: string;
  landscape?: boolean;
  /** The page total printed in the footer, when this print is part of a longer document (see toc.ts). */
  pageCount?: number;
  /** Tagged (accessible) PDF: Chromium's default; off for pages spliced into another print. */
  tagged?: boolean;
  /** This job's time limit, when longer than the printer's (big reports). */
  timeoutMs?: number;
}

/**
 * One headless Chromium per process, a new page per job, at most `concurrency` pages at once,
 * relaunched if it crashes, each job bounded by `timeoutMs`. Pages load nothing from the network.
 */
export class PdfPrinter {
  private browser?: Promise<Browser>;
  private running = 0;
  private waiting: Array<() => void> = [];

  private readonly locator: BrowserLocator | undefined;
  private readonly executablePath: string | undefined;

  constructor(
    /** A fixed path (tests, bench), or a locator that resolves — and if allowed downloads — at first use. */
    browser: string | undefined | BrowserLocator,
    private readonly concurrency = 2,
    private readonly timeoutMs = 120_000,
    /** Extra environment for the browser process (tests hide the host's fonts with FONTCONFIG_FILE). */
    private readonly browserEnv: Record<string, string> = {},
  ) {
    if (browser instanceof BrowserLocator) this.locator = browser;
    else this.executablePath = browser;
  }

  /** Which browser prints, or why none (for /healthz and `dengbao browser status`). */
  status(): BrowserStatus {
    if (this.locator) return this.locator.status();
    return this.executablePath && existsSync(this.executablePath) ? { path: this.executablePath, source: 'CHROMIUM_PATH' } : { path: undefined, reason: this.executablePath ? `${this.executablePath} does not exist` : 'no browser configured' };
  }

  /** A browser is there now; when none is, a locator starts its one download in the background. */
  get available(): boolean {
    const ok = !!this.status().path;
    if (!ok) void this.locator?.ensure();
    return ok;
  }

  private launch(): Promise<Browser> {
    this.browser ??= (this.locator ? this.locator.ensure() : Promise.resolve(this.available ? this.executablePath : undefined))
      .then((executablePath) => {
        if (!executablePath) throw new BrowserUnavailableError();
        return puppeteer().default.launch({
          executablePath,
          headless: true,
          env: { ...process.env, ...this.browserEnv },
          args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--font-render-hinting=none'],
        });
      })
      .then((b) => {
        // A crashed browser is replaced at the next job.
        b.on('disconnected', () => (this.browser = undefined));
        return b;
      })
      .catch((err) => {
        this.browser = undefined;
        throw err;
      });
    return this.browser;
  }

  private async slot(): Promise<() => void> {
    if (this.running >= this.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    return () => {
      this.running--;
      this.waiting.shift()?.();
    };
  }

  async pdf(html: string, options: PdfOptions = {}): Promise<Buffer> {
    const release = await this.slot();
    const browser = await this.launch().catch((err) => {
      release();
      throw err;
    });
    const page = await browser.newPage();
    const timeoutMs = Math.max(this.timeoutMs, options.timeoutMs ?? 0);
    let timer: NodeJS.Timeout | undefined;
    try {
      const work = (async () => {
        await page.setRequestInterception(true);
        // Nothing from the network: data: and about: pass, the shipped fonts are served from node_modules.
        page.on('request', (req) => {
          const url = req.url();
          const font = fontFileFor(url);
          if (font)
            return void readFile(font).then(
              (body) => req.respond({ status: 200, contentType: 'font/woff2', headers: { 'Access-Control-Allow-Origin': '*' }, body }),
              () => req.abort(),
            );
          return void (/^(data|about):/.test(url) ? req.continue() : req.abort());
        });
        await page.setContent(withPrintCss(html, options), { waitUntil: 'load', timeout: timeoutMs });
        // Every font subset the text needs is loaded before printing, so nothing prints in a fallback font.
        await page.evaluate(() => document.fonts.ready);
        return page.pdf({ printBackground: true, preferCSSPageSize: true, timeout: timeoutMs, tagged: options.tagged ?? true });
      })();
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`PDF rendering took longer than ${timeoutMs} ms`)), timeoutMs)));
      return Buffer.from(await Promise.race([work, timeout]));
    } finally {
      clearTimeout(timer);
      await page.close().catch(() => undefined);
      release();
    }
  }

  async close(): Promise<void> {
    const b = await this.browser?.catch(() => undefined);
    this.browser = undefined;
    await b?.close().catch(() => undefined);
  }
}

/** A CSS string literal that cannot end the string or the <style> element it sits in. */
const cssString = (s: string) => `"${s.replace(/[\\"<>&]/g, (c) => `\\${c.charCodeAt(0).toString(16)} `).replace(/[\r\n\u2028\u2029]+/g, ' ')}"`;

/**
 * The shipped fonts and the page frame (A4, margins, the header text top right, page x / y at the
 * bottom) as CSS page-margin boxes: unlike puppeteer's header template they are laid out with the
 * page's own fonts, so the header's Chinese prints in the shipped font too. Added last in <head>
 * so the frame wins over a template's own @page size.
 */
export function withPrintCss(html: string, options: PdfOptions = {}): string {
  const header = options.headerText ? `@top-right { content: ${cssString(options.headerText)}; font-family: 'dengbao Serif SC', serif; font-size: 7.5pt; color: #555; }` : '';
  const style = `<style>${fontFaceCss()}
@page { size: A4${options.landscape ? ' landscape' : ''}; margin: 22mm 16mm 20mm 16mm; ${header} @bottom-center { content: counter(page) ${options.pageCount ? `" / ${Math.trunc(options.pageCount)}"` : '" / " counter(pages)'}; font-family: 'dengbao Serif SC', serif; font-size: 7.5pt; color: #555; } }</style>`;
  const at = html.search(/<\/head>/i);
  return at >= 0 ? html.slice(0, at) + style + html.slice(at) : style + html;
}

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
