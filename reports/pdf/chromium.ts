import { existsSync } from 'node:fs';
import puppeteer, { type Browser } from 'puppeteer-core';

export const BROWSER_INSTALL_HINT = 'apt-get install -y chromium fonts-noto-cjk';

/** The browser to print with: CHROMIUM_PATH, PUPPETEER_EXECUTABLE_PATH, then the usual system paths. Never downloads one. */
export function findChromium(configured?: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const candidates = [configured, env.PUPPETEER_EXECUTABLE_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

export class BrowserUnavailableError extends Error {
  constructor() {
    super(`No Chromium found for PDF reports: install it (Debian: ${BROWSER_INSTALL_HINT}) or set CHROMIUM_PATH`);
  }
}

export interface PdfOptions {
  headerText?: string;
  landscape?: boolean;
}

/**
 * One headless Chromium per process, a new page per job, at most `concurrency` pages at once,
 * relaunched if it crashes, each job bounded by `timeoutMs`. Pages load nothing from the network.
 */
export class PdfPrinter {
  private browser?: Promise<Browser>;
  private running = 0;
  private waiting: Array<() => void> = [];

  constructor(
    private readonly executablePath: string | undefined,
    private readonly concurrency = 2,
    private readonly timeoutMs = 120_000,
  ) {}

  get available(): boolean {
    return !!this.executablePath && existsSync(this.executablePath);
  }

  private launch(): Promise<Browser> {
    if (!this.available) throw new BrowserUnavailableError();
    this.browser ??= puppeteer
      .launch({
        executablePath: this.executablePath,
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--font-render-hinting=none'],
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
    let timer: NodeJS.Timeout | undefined;
    try {
      const work = (async () => {
        await page.setRequestInterception(true);
        page.on('request', (req) => (/^(data|about):/.test(req.url()) ? req.continue() : req.abort()));
        await page.setContent(html, { waitUntil: 'load', timeout: this.timeoutMs });
        const header = options.headerText ? escapeHtml(options.headerText) : '';
        return page.pdf({
          format: 'A4',
          landscape: options.landscape,
          printBackground: true,
          displayHeaderFooter: true,
          margin: { top: '22mm', bottom: '20mm', left: '16mm', right: '16mm' },
          headerTemplate: `<div style="font-size:8px;width:100%;padding:0 16mm;color:#555;font-family:'Noto Sans CJK SC',sans-serif;text-align:right">${header}</div>`,
          footerTemplate: `<div style="font-size:8px;width:100%;text-align:center;color:#555;font-family:'Noto Sans CJK SC',sans-serif"><span class="pageNumber"></span> / <span class="totalPages"></span></div>`,
          timeout: this.timeoutMs,
        });
      })();
      const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`PDF rendering took longer than ${this.timeoutMs} ms`)), this.timeoutMs)));
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

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
