import { BrowserLocator, downloadBrowser, HEADLESS_SHELL_BUILD, resolveBrowser } from '../reports/pdf/browser.js';
import { BROWSER_INSTALL_HINT } from '../reports/pdf/chromium.js';
import { parseConfig } from './config.js';

/**
 * `dengbao browser status|install [--postinstall]`: which browser prints the PDF reports, and a
 * retry of the download. With --postinstall (npm's postinstall) it never fails: it only advises.
 */
export async function browserCommand(args: string[]): Promise<number> {
  const sub = args[0] ?? 'status';
  const postinstall = args.includes('--postinstall');
  let config;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    console.error((err as Error).message);
    return postinstall ? 0 : 2;
  }
  const options = { configured: config.chromiumPath, cacheDir: config.browserCacheDir };
  const cacheDir = new BrowserLocator(options).cacheDir;
  const found = resolveBrowser(options);
  if (sub === 'status') {
    if ('reason' in found) {
      console.log(`No browser for PDF reports: ${found.reason}.\nRun \`npx dengbao browser install\` to download chrome-headless-shell ${HEADLESS_SHELL_BUILD} into ${cacheDir}, or install Chromium (Debian: apt-get install -y chromium), or set CHROMIUM_PATH.`);
      return 1;
    }
    console.log(`PDF reports print with ${found.path} (${found.source}).`);
    return 0;
  }
  if (sub !== 'install') {
    console.error(`Unknown browser command: ${sub}\nUsage: dengbao browser status|install`);
    return 2;
  }
  if (found.path) {
    console.log(`dengbao: PDF reports print with ${found.path} (${found.source}); nothing to download.`);
    return 0;
  }
  if (postinstall && !config.browserDownload) {
    console.log(`\ndengbao: no browser for PDF reports (BROWSER_DOWNLOAD=0). Everything else works. ${BROWSER_INSTALL_HINT}.\n`);
    return 0;
  }
  console.log(`dengbao: no browser found; downloading chrome-headless-shell ${HEADLESS_SHELL_BUILD} into ${cacheDir} …`);
  try {
    const path = await downloadBrowser(cacheDir, { timeoutMs: postinstall ? 300_000 : 900_000 });
    console.log(`dengbao: PDF reports will print with ${path}.`);
    return 0;
  } catch (err) {
    console.log(`\ndengbao: the browser download failed (${(err as Error).message}).`);
    console.log('PDF reports need a browser; everything else works without it. Any of:');
    console.log(`  npx dengbao browser install      retry the download (into ${cacheDir}; BROWSER_CACHE_DIR moves it)`);
    console.log('  Debian/Ubuntu:  apt-get install -y chromium');
    console.log('  elsewhere:      install Chromium or Chrome, or set CHROMIUM_PATH=/path/to/chrome\n');
    return postinstall ? 0 : 1;
  }
}
