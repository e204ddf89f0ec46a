import type { RouteSchemas } from '../route-schemas.js';
import { highRiskQuery, itemParams, itemsQuery, structureQuery } from '../../routes/catalogue.js';
import { assessmentParams, catalogueQuery, importQuery, profileQuery } from '../../routes/oscal.js';
import { createSystemBody, listSystemsQuery, patchSystemBody, systemParams, systemTransitionBody } from '../../routes/systems.js';

/**
 * The zod schemas routes validate with, by `METHOD /path` — the very objects the routers import,
 * so the document cannot drift from validation. Routes whose schemas are still inline in their
 * handlers are described by path parameters only (see README, API reference).
 */
export const ROUTE_SCHEMAS: Record<string, RouteSchemas> = {
  'GET /catalogue/items': { query: itemsQuery },
  'GET /catalogue/items/:code': { params: itemParams },
  'GET /catalogue/structure': { query: structureQuery },
  'GET /catalogue/high-risk-cases': { query: highRiskQuery },
  'GET /systems': { query: listSystemsQuery },
  'POST /systems': { body: createSystemBody },
  'GET /systems/:id': { params: systemParams },
  'PATCH /systems/:id': { params: systemParams, body: patchSystemBody },
  'DELETE /systems/:id': { params: systemParams },
  'POST /systems/:id/transitions': { params: systemParams, body: systemTransitionBody },
  'GET /systems/:id/history': { params: systemParams },
  'GET /oscal/catalog': { query: catalogueQuery },
  'GET /oscal/profile': { query: profileQuery },
  'GET /assessments/:id/oscal/assessment-results': { params: assessmentParams },
  'GET /assessments/:id/oscal/poam': { params: assessmentParams },
  'POST /oscal/import': { query: importQuery },
};
