import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import Handlebars from 'handlebars';
import { projectRoot } from '../version.js';
import { csrfToken } from './csrf.js';
import { seesAdminPage } from './admin-pages.js';
import { seesAuditPage } from './audit-pages.js';

let hb: typeof Handlebars | undefined;
let pages: Map<string, HandlebarsTemplateDelegate> | undefined;

function load() {
  if (pages && hb) return { hb, pages };
  const root = path.join(projectRoot(), 'templates');
  hb = Handlebars.create();
  hb.registerPartial('layout', readFileSync(path.join(root, 'layouts', 'main.hbs'), 'utf8'));
  hb.registerPartial(
    'pager',
    '<nav class="pager">{{#if prev}}<a href="{{prev}}">{{t "ui.previous"}}</a>{{/if}} <span>{{t "ui.page" page=page pages=pages}}</span> {{#if next}}<a href="{{next}}">{{t "ui.next"}}</a>{{/if}}</nav>',
  );
  // Form parts shared by pages (templates/partials/<name>.hbs is {{> name}}).
  for (const f of readdirSync(path.join(root, 'partials')).filter((f) => f.endsWith('.hbs'))) hb.registerPartial(f.replace(/\.hbs$/, ''), readFileSync(path.join(root, 'partials', f), 'utf8'));
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  hb.registerHelper('pct', (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(1)}%`));
  hb.registerHelper('join', (xs: unknown, sep: unknown) => (Array.isArray(xs) ? xs.join(typeof sep === 'string' ? sep : ', ') : ''));
  // {{t "ui.key"}} translates with the request's translator (passed in the view as _t).
  hb.registerHelper('t', function (this: unknown, key: string, options: { data: { root: { _t: (k: string, o?: object) => string } }; hash: object }) {
    return options.data.root._t(key, options.hash);
  });
  // {{enum "group" value}}: an enum value in words (locale block `enum`, key <group>_<value>); never the raw value.
  hb.registerHelper('enum', function (this: unknown, group: string, value: unknown, options: { data: { root: { _t: (k: string, o?: object) => string } } }) {
    if (value === null || value === undefined || value === '') return '';
    return options.data.root._t(`enum.${group}_${String(value)}`, { defaultValue: String(value) });
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
    // What the header offers is asked of the policy (context.ts `can`), not of role names.
    me: caller ? { username: caller.username, displayName: caller.displayName, isAdmin: caller.isAdmin, seesAdmin: seesAdminPage(caller), seesAudit: seesAuditPage(caller) } : null,
    orgChoices: (req as Request & { orgChoices?: unknown }).orgChoices ?? [],
    selectedOrg: selectedOrganization(req) ?? '',
  });
  res.status(status).type('html').send(html);
}

/** Pages need a signed-in caller; others go to the sign-in page and come back afterwards. */
export function signedIn(req: Request, res: Response, next: NextFunction): void {
  if (req.caller) return next();
  res.redirect(303, `/login?back=${encodeURIComponent(pageToReturnTo(req))}`);
}

/**
 * Where signing in again returns: the page itself, or for a form posted after the session expired,
 * the page the form was on (its address has no page of its own).
 */
function pageToReturnTo(req: Request): string {
  if (req.method === 'GET' || req.method === 'HEAD') return req.originalUrl;
  try {
    const from = new URL(req.get('referer') ?? '');
    if (from.host === req.get('host')) return `${from.pathname}${from.search}`;
  } catch {
    // no usable Referer: the form's own address
  }
  return req.originalUrl;
}

export const ORG_COOKIE = 'org';

/** The organisation the user chose in the header switcher, if they still belong to it. */
export function selectedOrganization(req: Request): string | undefined {
  const id = req.cookies?.[ORG_COOKIE];
  return typeof id === 'string' && req.caller?.memberships.has(id) ? id : undefined;
}

/** Loads the names of the caller's organisations for the header switcher (one query per page). */
export async function loadOrgChoices(req: Request, _res: Response, next: NextFunction): Promise<void> {
  if (req.caller && req.caller.memberships.size) {
    const { deps } = await import('../http/request.js');
    const rows = await deps(req).db('organizations').whereIn('id', [...req.caller.memberships.keys()]).orderBy('name').select('id', 'name');
    (req as Request & { orgChoices?: unknown }).orgChoices = rows;
  }
  next();
}

/** One page of a list, with links that keep the current query; the pager partial renders it. */
export function paginate<T>(req: Request, items: readonly T[], pageSize = 50) {
  const pages = Math.max(1, Math.ceil(items.length / pageSize));
  const page = Math.min(Math.max(1, Number(req.query.page) || 1), pages);
  const link = (p: number) => {
    const params = new URLSearchParams(Object.entries(req.query).filter(([k, v]) => k !== 'page' && typeof v === 'string') as Array<[string, string]>);
    params.set('page', String(p));
    return `${req.path}?${params}`;
  };
  return { items: items.slice((page - 1) * pageSize, page * pageSize), page, pages, prev: page > 1 ? link(page - 1) : null, next: page < pages ? link(page + 1) : null };
}
