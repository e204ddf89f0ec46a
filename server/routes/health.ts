import { Router } from 'express';
import { engineOf } from '../database/index.js';
import { deps } from '../http/request.js';

export const healthRouter = Router();

healthRouter.get('/healthz', async (req, res) => {
  const { db, version, catalogue, printer } = deps(req);
  await db.raw('select 1');
  res.json({
    status: 'ok',
    database: engineOf(db),
    version,
    catalogue: { version: catalogue.version, items: catalogue.items.length, highRiskCases: catalogue.highRiskCases.length },
    // The browser PDF reports will use, or why there is none (reports answer 503 then; all else works).
    browser: printer.status(),
  });
});
