import { expect } from 'chai';
import path from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { DEMO_PASSWORD } from './app.js';
import { ARTIFACTS } from './browser-app.js';
import { rawEnumValues } from './raw-enums.js';

export type Lang = 'zh-CN' | 'en';

/**
 * A new browser context signed in as a demo user, in a language, for the form tests. Forms must
 * work without script: `javaScript: false` is the default. The language is chosen the way a user
 * does (the Accept-Language header, or the language switch with `via: 'switch'`).
 */
export async function signInPage(
  browser: Browser,
  base: string,
  username: string,
  lang: Lang,
  options: { javaScript?: boolean; width?: number; via?: 'header' | 'switch' } = {},
): Promise<Page> {
  const page = await (await browser.createBrowserContext()).newPage();
  if (!(options.javaScript ?? false)) await page.setJavaScriptEnabled(false);
  await page.setViewport({ width: options.width ?? 1280, height: 900 });
  if (options.via === 'switch') await page.goto(`${base}/lang?to=${lang}&back=/login`);
  else {
    await page.setExtraHTTPHeaders({ 'Accept-Language': lang === 'zh-CN' ? 'zh-CN,zh;q=0.9' : 'en' });
    await page.goto(`${base}/login`);
  }
  await page.type('input[name=username]', username);
  await page.type('input[name=password]', DEMO_PASSWORD);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
  return page;
}

/** The text a user reads in an element (the page's main part by default). */
export const pageText = (page: Page, sel = 'main') => page.$eval(sel, (m) => (m as HTMLElement).innerText);
export const valueOf = (page: Page, sel: string) => page.$eval(sel, (e) => (e as HTMLInputElement).value);
/** Long values set at once (typing 301 characters is slow under load). */
export const setValue = (page: Page, sel: string, value: string) => page.$eval(sel, (e, v) => ((e as HTMLInputElement).value = v as string), value);
/** Clicks and waits for the page the form leads to. */
export const clickThrough = (page: Page, selector: string) => Promise.all([page.waitForNavigation(), page.click(selector)]);

/** Submits a form and answers the status of the page it lands on. */
export async function submitForm(page: Page, form: string, button = 'button[type=submit]'): Promise<number> {
  const [res] = await Promise.all([page.waitForNavigation(), page.click(`${form} ${button}`)]);
  // After a redirect the page may answer 304 (unchanged since the browser last read it).
  return res!.status() === 304 ? 200 : res!.status();
}

/** Clears a field and types a new value, as a user does. */
export async function retype(page: Page, sel: string, value: string): Promise<void> {
  await page.$eval(sel, (e) => ((e as HTMLInputElement).value = ''));
  if (value) await page.type(sel, value);
}

/** The error shown right after a field's label, or null. */
export const errorNextTo = (page: Page, form: string, name: string) =>
  page.$eval(`${form} [name="${name}"]`, (el) => {
    const next = (el.closest('label') ?? el).nextElementSibling;
    return next?.classList.contains('field-error') ? next.textContent : null;
  });

/** At 390 px wide: whether the page scrolls sideways (scroll width against client width), with a screenshot. */
export async function widthAt390(page: Page, screenshot: string, options: { reload?: boolean; restoreWidth?: number } = {}): Promise<{ scroll: number; client: number }> {
  await page.setViewport({ width: 390, height: 844 });
  // Not after a refused POST that rendered in place: reloading it would send the form again.
  if (options.reload ?? true) await page.reload();
  const measured = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.setViewport({ width: options.restoreWidth ?? 1280, height: 900 });
  return measured;
}

/**
 * What a user reads on a form page: no raw enum value (after `strip` removes what only looks like
 * one, e.g. demo users named after their role), a screenshot, and no sideways scrolling at 390 px.
 */
export async function checkFormPage(page: Page, lang: Lang, name: string, engine: string, strip: (text: string) => string = (t) => t): Promise<void> {
  expect(rawEnumValues(strip(await pageText(page)), lang), `${name}: raw enum values`).to.deep.equal([]);
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}-${lang}-${engine}.png`), fullPage: true });
  const { scroll, client } = await widthAt390(page, path.join(ARTIFACTS, `${name}-390-${lang}-${engine}.png`));
  expect(scroll, `${name} at 390 px: ${scroll} px wide`).to.be.at.most(client);
}
