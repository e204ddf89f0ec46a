import { expect } from 'chai';
import path from 'node:path';
import { defaultBrowserCacheDir, downloadedBrowserPath, resolveBrowser, systemBrowserPaths } from '../../reports/pdf/browser.js';

/** resolveBrowser with a fake file system holding exactly `present`. */
const resolveWith = (present: string[], o: Parameters<typeof resolveBrowser>[0] = {}) =>
  resolveBrowser({ env: {}, platform: 'linux', home: '/home/u', cacheDir: '/cache', ...o, exists: (p) => present.includes(p) });

describe('browser resolution', () => {
  const downloaded = downloadedBrowserPath('/cache')!;

  it('takes CHROMIUM_PATH first, then PUPPETEER_EXECUTABLE_PATH, then the system, then an earlier download', () => {
    const all = ['/opt/my/chrome', '/opt/pptr/chrome', '/usr/bin/chromium', downloaded];
    const env = { PUPPETEER_EXECUTABLE_PATH: '/opt/pptr/chrome' };
    expect(resolveWith(all, { configured: '/opt/my/chrome', env })).to.deep.equal({ path: '/opt/my/chrome', source: 'CHROMIUM_PATH' });
    expect(resolveWith(all.slice(1), { configured: '/opt/my/chrome', env })).to.deep.equal({ path: '/opt/pptr/chrome', source: 'PUPPETEER_EXECUTABLE_PATH' });
    expect(resolveWith(all.slice(2), { configured: '/opt/my/chrome', env })).to.deep.equal({ path: '/usr/bin/chromium', source: 'system' });
    expect(resolveWith(all.slice(3), { configured: '/opt/my/chrome', env })).to.deep.equal({ path: downloaded, source: 'downloaded' });
  });

  it('says why there is none, naming a configured path that does not exist and the cache directory', () => {
    const r = resolveWith([], { configured: '/opt/missing' });
    expect(r.path).to.equal(undefined);
    expect('reason' in r && r.reason).to.contain('CHROMIUM_PATH=/opt/missing does not exist').and.contain('/cache');
  });

  it('knows the usual paths of Linux, macOS and Windows', () => {
    expect(systemBrowserPaths('linux')).to.include.members(['/usr/bin/chromium', '/usr/bin/google-chrome']);
    expect(systemBrowserPaths('darwin', {}, '/Users/u')).to.include.members(['/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', '/Users/u/Applications/Chromium.app/Contents/MacOS/Chromium']);
    const win = systemBrowserPaths('win32', { PROGRAMFILES: 'C:\\Program Files', LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' });
    expect(win).to.include.members(['C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe', 'C:\\Users\\u\\AppData\\Local\\Google\\Chrome\\Application\\chrome.exe']);
    expect(resolveWith(['/Applications/Chromium.app/Contents/MacOS/Chromium'], { platform: 'darwin' })).to.include({ source: 'system' });
  });

  it('keeps downloads in BROWSER_CACHE_DIR, else the user cache directory', () => {
    expect(defaultBrowserCacheDir('linux', { BROWSER_CACHE_DIR: '/srv/b' }, '/home/u')).to.equal('/srv/b');
    expect(defaultBrowserCacheDir('linux', {}, '/home/u')).to.equal(path.join('/home/u', '.cache', 'dengbao', 'browsers'));
    expect(defaultBrowserCacheDir('linux', { XDG_CACHE_HOME: '/x' }, '/home/u')).to.equal(path.join('/x', 'dengbao', 'browsers'));
    expect(defaultBrowserCacheDir('darwin', {}, '/Users/u')).to.equal(path.join('/Users/u', 'Library', 'Caches', 'dengbao', 'browsers'));
    expect(downloaded.startsWith('/cache')).to.equal(true);
  });
});
