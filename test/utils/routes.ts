import type { Express } from 'express';

export interface RouteEntry {
  method: string;
  /** The full path pattern, e.g. /api/v1/systems/:id */
  path: string;
}

/** Every route of the app's router table (API and pages), read from express itself. */
export function routeTable(app: Express): RouteEntry[] {
  const out: RouteEntry[] = [];
  const walk = (stack: Array<Record<string, any>>, prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const method of Object.keys(layer.route.methods)) if (method !== '_all') out.push({ method: method.toUpperCase(), path: prefix + layer.route.path });
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, prefix + (layer.slash ? '' : (layer.rawPath ?? '')));
      }
    }
  };
  walk((app as unknown as { router: { stack: Array<Record<string, any>> } }).router.stack, '');
  return out;
}
