import type { Express } from 'express';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { findChromium } from '../../reports/pdf/chromium.js';
import { createTestApp } from './app.js';
import type { TestDatabase } from './database.js';
import { ROOT } from './process.js';

/** Where browser tests leave their screenshots (git-ignored). */
export const ARTIFACTS = path.join(ROOT, 'test-artifacts');

export interface BrowserApp {
  app: Express;
  base: string;
  browser: Browser;
  close(): Promise<void>;
}

/**
 * The app listening on a free loopback port and a headless Debian Chromium to drive it, for the
 * browser tests (the flags keep Chromium off the network this machine refuses).
 */
export async function startBrowserApp(db: TestDatabase): Promise<BrowserApp> {
  const app = await createTestApp(db);
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const executablePath = findChromium();
  if (!executablePath) throw new Error('Chromium is required for the UI tests (apt-get install -y chromium)');
  const browser = await puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] });
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    app,
    base,
    browser,
    close: async () => {
      await browser.close();
      server.close();
      await (app.locals.deps as { printer: { close(): Promise<void> } }).printer.close();
    },
  };
}
