import { Router } from 'express';

// Placeholder: replaced by the real router.
export const workbookRouter = Router();
