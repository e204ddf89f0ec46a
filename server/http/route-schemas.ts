import type { Request } from 'express';
import type { z } from 'zod';

export type SchemaLocation = 'body' | 'query' | 'params' | 'multipart';

/** The schemas one route validates its input with, by location. */
export type RouteSchemas = Partial<Record<SchemaLocation, z.ZodType>>;

const registry = new Map<string, RouteSchemas>();

/**
 * Records the schema a route validates with, keyed by method and express route pattern
 * (`PATCH /api/v1/evidence/:id`). Called by validate() and the multipart readers, so the
 * registry is exactly what the routes check — no second list to keep in step with the routers.
 * The fuzz tests read it (after one request per route) to generate inputs for every write route.
 * Bounded: one entry per route and location.
 */
export function recordSchema(req: Request, location: SchemaLocation, schema: z.ZodType): void {
  const pattern = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof pattern !== 'string') return;
  const key = `${req.method} ${`${req.baseUrl}${pattern}`.replace(/(.)\/$/, '$1')}`;
  const entry = registry.get(key);
  if (!entry) registry.set(key, { [location]: schema });
  else if (!entry[location]) entry[location] = schema;
}

/** The schemas recorded so far for `METHOD /pattern`. */
export function routeSchemas(method: string, pattern: string): RouteSchemas | undefined {
  return registry.get(`${method.toUpperCase()} ${pattern}`);
}
