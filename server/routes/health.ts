import { Router } from 'express';
import { engineOf } from '../database/index.js';
import { deps } from '../http/request.js';

export const healthRouter = Router();

healthRouter.get('/healthz', async (req, res) => {
  const { db, version, catalogue } = deps(req);
  await db.raw('select 1');
  res.json({
    status: 'ok',
    database: engineOf(db),
    version,
    catalogue: { version: catalogue.version, items: catalogue.items.length, highRiskCases: catalogue.highRiskCases.length },
  });
});
