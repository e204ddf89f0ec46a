import { z } from 'zod';
import type { RouteSchemas } from '../route-schemas.js';
import { ROUTE_LINES } from './routes-table.js';
import { ROUTE_SCHEMAS } from './schemas.js';

export interface RouteDescription {
  method: string;
  /** Express pattern under /api/v1, e.g. /systems/:id */
  path: string;
  summary: string;
  /** `org:<permission>`, `platform:<action>`, `signed-in` or `public` (see routes-table.ts). */
  permission: string;
  schemas: RouteSchemas;
}

/** The route table parsed once: one description per `METHOD /path`. */
export const API_ROUTES: RouteDescription[] = ROUTE_LINES.trim()
  .split('\n')
  .map((line) => {
    const [head, summary, permission] = line.split(' | ').map((s) => s.trim()) as [string, string, string];
    const [method, path] = head.split(' ') as [string, string];
    return { method, path, summary, permission, schemas: ROUTE_SCHEMAS[`${method} ${path}`] ?? {} };
  });

type Json = Record<string, unknown>;

/** zod 4's own JSON Schema (2020-12, what OpenAPI 3.1 uses), input side: what a client sends. */
function jsonSchema(schema: z.ZodType): Json {
  const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Json;
  delete out.$schema;
  return out;
}

const pathParams = (path: string) => [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
const openapiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

function parameters(route: RouteDescription): Json[] {
  const params = route.schemas.params ? jsonSchema(route.schemas.params) : undefined;
  const fromPath = pathParams(route.path).map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: ((params?.properties as Json | undefined)?.[name] as Json | undefined) ?? { type: 'string' },
  }));
  const query = route.schemas.query ? jsonSchema(route.schemas.query) : undefined;
  const required = new Set((query?.required as string[] | undefined) ?? []);
  const fromQuery = Object.entries((query?.properties as Record<string, Json> | undefined) ?? {}).map(([name, schema]) => ({
    name,
    in: 'query',
    required: required.has(name),
    schema,
  }));
  return [...fromPath, ...fromQuery];
}

/** A multipart upload's fields, plus the file itself (part `file`). */
function requestSchema(schema: z.ZodType, multipart: boolean): Json {
  const out = jsonSchema(schema);
  if (!multipart) return out;
  return { ...out, properties: { ...(out.properties as Json), file: { type: 'string', format: 'binary' } }, required: [...((out.required as string[] | undefined) ?? []), 'file'] };
}

const error = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

function operation(route: RouteDescription): Json {
  const write = route.method !== 'GET';
  const body = route.schemas.body ?? route.schemas.multipart;
  const media = route.schemas.multipart ? 'multipart/form-data' : 'application/json';
  return {
    operationId: `${route.method.toLowerCase()}${route.path.replace(/[^A-Za-z0-9]+(\w)?/g, (_, c?: string) => (c ?? '').toUpperCase())}`,
    summary: route.summary,
    description: `Permission: \`${route.permission}\`.`,
    tags: [route.path.split('/')[1]],
    'x-dengbao-permission': route.permission,
    ...(route.permission === 'public' ? { security: [] } : {}),
    parameters: parameters(route),
    ...(body ? { requestBody: { required: true, content: { [media]: { schema: requestSchema(body, !!route.schemas.multipart) } } } } : {}),
    responses: {
      [route.method === 'POST' ? '2XX' : '200']: { description: write ? 'Done: the changed resource' : 'The resource (lists as `{ data, meta }`)' },
      '400': error('Bad input: `details` lists each bad field by path'),
      '401': error('Not signed in'),
      '403': error('Signed in without the permission'),
      '404': error('Not found, or in an organisation the caller is not a member of'),
    },
  };
}

/** The OpenAPI 3.1 document of every route under /api/v1. Pure: the same routes give the same document. */
export function openApiDocument(version: string): Json {
  const paths: Record<string, Json> = {};
  for (const route of API_ROUTES) (paths[openapiPath(route.path)] ??= {})[route.method.toLowerCase()] = operation(route);
  return {
    openapi: '3.1.0',
    info: {
      title: 'dengbao API',
      version,
      description:
        'The API of dengbao (等保 2.0). Every error answers `{ error: { code, message, details } }`. ' +
        'Permissions: `org:<permission>` inside the resource\'s organisation (read, download, edit, manage, audit), ' +
        '`platform:<action>` for the platform roles (三权分立), `signed-in` for any caller, `public` without sign-in.',
    },
    servers: [{ url: '/api/v1' }],
    security: [{ session: [] }, { token: [] }],
    paths,
    components: {
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'dengbao_session' },
        token: { type: 'http', scheme: 'bearer' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message'],
              properties: {
                code: { type: 'string', description: 'Stable error code, e.g. validation_failed' },
                message: { type: 'string', description: "In the request's language" },
                details: {
                  type: 'array',
                  items: { type: 'object', properties: { path: { type: 'string' }, code: { type: 'string' }, message: { type: 'string' } } },
                },
              },
            },
          },
        },
      },
    },
  };
}
