import type { Express } from 'express';

export interface RouteEntry {
  method: string; // upper case
  path: string; // express pattern, e.g. /api/v1/evidence/:id
}

interface Layer {
  handle: { stack?: Layer[] };
  rawPath?: string | string[];
  slash?: boolean;
  route?: { path: string | string[]; methods: Record<string, boolean> };
}

const join = (prefix: string, p: string) => `${prefix}/${p}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');

/**
 * Every route the application answers, read from express's own router stack (express 5:
 * `app.router.stack`, nested routers through `layer.handle.stack`, mount paths in `rawPath`):
 * a route added anywhere is listed without touching the tests.
 */
export function routeTable(app: Express): RouteEntry[] {
  const out: RouteEntry[] = [];
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const p of ([] as string[]).concat(layer.route.path)) {
          for (const m of Object.keys(layer.route.methods)) if (m !== '_all') out.push({ method: m.toUpperCase(), path: join(prefix, p) });
        }
      } else if (layer.handle?.stack) {
        const mount = typeof layer.rawPath === 'string' && !layer.slash ? layer.rawPath : '';
        walk(layer.handle.stack, join(prefix, mount));
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '');
  const seen = new Set<string>();
  return out.filter((r) => !seen.has(`${r.method} ${r.path}`) && seen.add(`${r.method} ${r.path}`));
}
