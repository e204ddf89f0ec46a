import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { Browser, computeExecutablePath, detectBrowserPlatform, install } from '@puppeteer/browsers';
import { PUPPETEER_REVISIONS } from 'puppeteer-core/internal/revisions.js';

/**
 * Which browser prints the PDFs, in this order: CHROMIUM_PATH, PUPPETEER_EXECUTABLE_PATH, the
 * system's Chromium or Chrome at the usual paths of Linux, macOS and Windows, a
 * chrome-headless-shell dengbao downloaded earlier into its cache directory, else (at install or
 * first use) a download of that shell with @puppeteer/browsers — the build puppeteer-core is made
 * for, so the protocol always matches.
 */
export type BrowserSource = 'CHROMIUM_PATH' | 'PUPPETEER_EXECUTABLE_PATH' | 'system' | 'downloaded';
export type BrowserStatus = { path: string; source: BrowserSource } | { path: undefined; reason: string };

export interface ResolveOptions {
  configured?: string | undefined; // CHROMIUM_PATH
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  home?: string;
  cacheDir?: string;
  exists?: (p: string) => boolean;
}

export const HEADLESS_SHELL_BUILD = PUPPETEER_REVISIONS['chrome-headless-shell'];

export function systemBrowserPaths(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env, home = homedir()): string[] {
  if (platform === 'darwin') {
    const apps = ['Google Chrome.app/Contents/MacOS/Google Chrome', 'Chromium.app/Contents/MacOS/Chromium', 'Google Chrome for Testing.app/Contents/MacOS/Google Chrome for Testing', 'Microsoft Edge.app/Contents/MacOS/Microsoft Edge'];
    return [...apps.map((a) => `/Applications/${a}`), ...apps.map((a) => path.join(home, 'Applications', a))];
  }
  if (platform === 'win32') {
    const roots = [env.PROGRAMFILES, env['PROGRAMFILES(X86)'], env.LOCALAPPDATA].filter((r): r is string => !!r);
    const rel = ['Google\\Chrome\\Application\\chrome.exe', 'Chromium\\Application\\chrome.exe', 'Microsoft\\Edge\\Application\\msedge.exe'];
    return roots.flatMap((r) => rel.map((p) => path.win32.join(r, p)));
  }
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/snap/bin/chromium', '/opt/google/chrome/chrome', '/usr/lib/chromium/chromium'];
}

/** BROWSER_CACHE_DIR, else the user's cache directory: ~/.cache/dengbao/browsers, ~/Library/Caches/dengbao/browsers, %LOCALAPPDATA%\dengbao\browsers. */
export function defaultBrowserCacheDir(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  if (env.BROWSER_CACHE_DIR) return env.BROWSER_CACHE_DIR;
  if (platform === 'darwin') return path.join(home, 'Library', 'Caches', 'dengbao', 'browsers');
  if (platform === 'win32') return path.win32.join(env.LOCALAPPDATA ?? path.win32.join(home, 'AppData', 'Local'), 'dengbao', 'browsers');
  return path.join(env.XDG_CACHE_HOME || path.join(home, '.cache'), 'dengbao', 'browsers');
}

/** Where a downloaded chrome-headless-shell would be, or undefined on a platform it does not exist for. */
export function downloadedBrowserPath(cacheDir: string): string | undefined {
  const platform = detectBrowserPlatform();
  if (!platform) return undefined;
  return computeExecutablePath({ browser: Browser.CHROMEHEADLESSSHELL, buildId: HEADLESS_SHELL_BUILD, cacheDir, platform });
}

/** Resolves without downloading; every check is a file test, so it can run on each request. */
export function resolveBrowser(o: ResolveOptions = {}): BrowserStatus {
  const env = o.env ?? process.env;
  const exists = o.exists ?? existsSync;
  const named: Array<[string | undefined, BrowserSource]> = [
    [o.configured, 'CHROMIUM_PATH'],
    [env.PUPPETEER_EXECUTABLE_PATH, 'PUPPETEER_EXECUTABLE_PATH'],
  ];
  for (const [p, source] of named) if (p && exists(p)) return { path: p, source };
  for (const p of systemBrowserPaths(o.platform, env, o.home)) if (exists(p)) return { path: p, source: 'system' };
  const cacheDir = o.cacheDir ?? defaultBrowserCacheDir(o.platform, env, o.home);
  const downloaded = downloadedBrowserPath(cacheDir);
  if (downloaded && exists(downloaded)) return { path: downloaded, source: 'downloaded' };
  const misses = named.filter(([p]) => p).map(([p, s]) => `${s}=${p} does not exist`);
  return { path: undefined, reason: [...misses, `no Chromium or Chrome at the usual paths, none downloaded into ${cacheDir}`].join('; ') };
}

/** Downloads chrome-headless-shell into the cache directory; rejects after timeoutMs (offline machines fail fast or here). */
export async function downloadBrowser(cacheDir: string, options: { timeoutMs?: number; progress?: (done: number, total: number) => void } = {}): Promise<string> {
  const platform = detectBrowserPlatform();
  if (!platform) throw new Error(`chrome-headless-shell is not built for ${process.platform}/${process.arch}`);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`download did not finish within ${Math.round((options.timeoutMs ?? 600_000) / 1000)} s`)), options.timeoutMs ?? 600_000);
    timer.unref();
  });
  try {
    const installed = await Promise.race([
      install({ browser: Browser.CHROMEHEADLESSSHELL, buildId: HEADLESS_SHELL_BUILD, cacheDir, platform, ...(options.progress ? { downloadProgressCallback: options.progress } : {}) }),
      timeout,
    ]);
    return installed.executablePath;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The browser a server prints with: resolved on every use (a browser installed later is found
 * without a restart), downloaded once at first use when none is found and downloads are allowed.
 */
export class BrowserLocator {
  private download?: Promise<string | undefined>;
  private downloadError?: string;

  constructor(private readonly options: ResolveOptions & { allowDownload?: boolean } = {}) {}

  get cacheDir(): string {
    return this.options.cacheDir ?? defaultBrowserCacheDir(this.options.platform, this.options.env, this.options.home);
  }

  status(): BrowserStatus {
    const s = resolveBrowser(this.options);
    if (!('reason' in s) || !this.downloadError) return s;
    return { path: undefined, reason: `${s.reason}; download failed: ${this.downloadError}` };
  }

  /** Starts (once) the download when nothing is found; resolves to the path or undefined. */
  ensure(): Promise<string | undefined> {
    const s = this.status();
    if (s.path) return Promise.resolve(s.path);
    if (this.options.allowDownload === false) return Promise.resolve(undefined);
    this.download ??= downloadBrowser(this.cacheDir).then(
      (p) => p,
      (err: Error) => {
        this.downloadError = err.message;
        return undefined;
      },
    );
    return this.download;
  }
}
