import { Router } from 'express';
import { deps } from '../http/request.js';
import { openApiDocument } from '../http/openapi/document.js';

export const openApiRouter = Router();

let cached: { version: string; body: object } | undefined;

/** The API's own description: public (it holds no data), built once per process. */
openApiRouter.get('/openapi.json', (req, res) => {
  const version = deps(req).version;
  if (cached?.version !== version) cached = { version, body: openApiDocument(version) };
  res.json(cached.body);
});
