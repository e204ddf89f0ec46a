import express, { Router } from 'express';
import { createRequire } from 'node:module';
import path from 'node:path';
import { projectRoot } from '../version.js';

/**
 * The API reference page: Swagger UI from the swagger-ui-dist package (no CDN), started by a
 * script file of ours that points it at /api/v1/openapi.json. Public like the document itself.
 */
export function apiDocsRouter(): Router {
  const router = Router();
  const ours = path.join(projectRoot(), 'templates', 'api-docs');
  const dist = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  router.get('/api/docs', (_req, res) => res.sendFile(path.join(ours, 'index.html')));
  router.get('/api/docs/init.js', (_req, res) => res.sendFile(path.join(ours, 'init.js')));
  router.use('/api/docs/assets', express.static(dist, { index: false, maxAge: '1h' }));
  return router;
}
