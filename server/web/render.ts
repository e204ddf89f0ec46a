import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import Handlebars from 'handlebars';
import { projectRoot } from '../version.js';
import { csrfToken } from './csrf.js';

let hb: typeof Handlebars | undefined;
let pages: Map<string, HandlebarsTemplateDelegate> | undefined;

function load() {
  if (pages && hb) return { hb, pages };
  const root = path.join(projectRoot(), 'templates');
  hb = Handlebars.create();
  hb.registerPartial('layout', readFileSync(path.join(root, 'layouts', 'main.hbs'), 'utf8'));
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('pct', (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`));
  hb.registerHelper('join', (xs: unknown, sep: unknown) => (Array.isArray(xs) ? xs.join(typeof sep === 'string' ? sep : ', ') : ''));
  // {{t "ui.key"}} translates with the request's translator (passed in the view as _t).
  hb.registerHelper('t', function (this: unknown, key: string, options: { data: { root: { _t: (k: string, o?: object) => string } }; hash: object }) {
    return options.data.root._t(key, options.hash);
  });
  pages = new Map(
    readdirSync(path.join(root, 'pages'))
      .filter((f) => f.endsWith('.hbs'))
      .map((f) => [f.replace(/\.hbs$/, ''), hb!.compile(readFileSync(path.join(root, 'pages', f), 'utf8'))]),
  );
  return { hb, pages };
}

/** Renders a page inside the layout, with the request's language, caller and CSRF token. */
export function renderPage(req: Request, res: Response, page: string, view: Record<string, unknown> = {}, status = 200): void {
  const tpl = load().pages.get(page);
  if (!tpl) throw new Error(`no page template ${page}`);
  const caller = req.caller;
  const html = tpl({
    ...view,
    _t: (k: string, o?: object) => (req.t as (key: string, opts?: object) => string)(k, o ?? {}),
    lang: req.lang,
    otherLang: req.lang === 'zh-CN' ? 'en' : 'zh-CN',
    otherLangLabel: req.lang === 'zh-CN' ? 'English' : '中文',
    path: req.originalUrl,
    csrf: csrfToken(req, res),
    me: caller ? { username: caller.username, displayName: caller.displayName, isAdmin: caller.isAdmin } : null,
  });
  res.status(status).type('html').send(html);
}

/** Pages need a signed-in caller; others go to the sign-in page and come back afterwards. */
export function signedIn(req: Request, res: Response, next: NextFunction): void {
  if (req.caller) return next();
  res.redirect(303, `/login?back=${encodeURIComponent(req.originalUrl)}`);
}
