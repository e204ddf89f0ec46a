import { randomUUID } from 'node:crypto';
import cookieParser from 'cookie-parser';
import express, { type Express } from 'express';
import helmet from 'helmet';
import type { Knex } from 'knex';
import { pinoHttp } from 'pino-http';
import { shippedCatalogue, type Catalogue } from './catalogue/index.js';
import type { Config } from './config.js';
import { errorHandler, notFound } from './http/error-handler.js';
import { authenticate, language, type AppDeps } from './http/request.js';
import { apiGuards, pageGuards } from './http/guards.js';
import { accountRouter } from './routes/account.js';
import { accountPagesRouter } from './web/account-pages.js';
import { auditRequests, bindAuditContext } from './audit/middleware.js';
import { rejectUnsafeText } from './http/safe-text.js';
import type { Logger } from './logger.js';
import { assessmentsRouter } from './routes/assessments.js';
import { hazardsRouter } from './routes/hazards.js';
import { verificationRouter } from './routes/verification.js';
import { authRouter } from './routes/auth.js';
import { catalogueRouter } from './routes/catalogue.js';
import { cloudRouter } from './routes/cloud.js';
import { packRouter } from './routes/pack.js';
import { reportsRouter } from './routes/reports.js';
import { documentsRouter } from './routes/documents.js';
import { workbookRouter } from './routes/workbook.js';
import { deadlinesRouter } from './routes/deadlines.js';
import { evidenceRequestsRouter } from './routes/evidence-requests.js';
import { evidenceRouter } from './routes/evidence.js';
import { filingRouter } from './routes/filing.js';
import { filing2025Router } from './routes/filing-2025.js';
import { extraItemsRouter } from './routes/extra-items.js';
import { gradingsRouter } from './routes/gradings.js';
import { systemsRouter } from './routes/systems.js';
import { healthRouter } from './routes/health.js';
import { organizationsRouter } from './routes/organizations.js';
import { tokensRouter } from './routes/tokens.js';
import { usersRouter } from './routes/users.js';
import { auditRouter } from './routes/audit.js';
import { openApiRouter } from './routes/openapi.js';
import { oscalRouter } from './routes/oscal.js';
import { apiDocsRouter } from './web/api-docs.js';
import { AuthService } from './services/auth.js';
import { SecretBox } from './services/mfa.js';
import { packageVersion, projectRoot } from './version.js';
import { pagesRouter } from './web/pages.js';
import { pageErrors, pageNotFound } from './web/page-errors.js';
import { assessmentPagesRouter } from './web/assessment-pages.js';
import { workspacePagesRouter } from './web/workspace-pages.js';
import { workspaceWritesRouter } from './web/workspace-writes.js';
import { hazardPagesRouter } from './web/hazard-pages.js';
import { verificationPagesRouter } from './web/verification-pages.js';
import { verificationFormsRouter } from './web/verification-forms.js';
import { findingPagesRouter } from './web/finding-pages.js';
import { systemPagesRouter } from './web/system-pages.js';
import { filing2025PagesRouter } from './web/filing-2025-pages.js';
import { libraryPagesRouter } from './web/library-pages.js';
import { evidenceFormsRouter } from './web/evidence-forms.js';
import { findingFormsRouter } from './web/finding-forms.js';
import { assessmentItemsRouter } from './web/assessment-items.js';
import { adminPagesRouter } from './web/admin-pages.js';
import { organizationPagesRouter } from './web/organization-pages.js';
import { platformPagesRouter } from './web/platform-pages.js';
import { auditPagesRouter } from './web/audit-pages.js';
import { loadOrgChoices } from './web/render.js';
import { createBlobStore } from './storage/index.js';
import type { BlobStore } from './storage/blob-store.js';
import { BrowserLocator } from '../reports/pdf/browser.js';
import { PdfPrinter } from '../reports/pdf/chromium.js';
import { workReports } from '../reports/report-worker.js';
import { InProcessQueue } from './jobs/memory-queue.js';
import type { JobQueue } from './jobs/queue.js';
import './evidence/deadlines.js';
import './systems/deadlines.js';
import './systems/filing-deadlines.js';
import './assessments/deadlines.js';
import path from 'node:path';

export interface AppOptions {
  db: Knex;
  /** Defaults to the catalogue shipped under controls/. */
  catalogue?: Catalogue;
  /** Defaults to a printer using the Chromium found from CHROMIUM_PATH and the usual paths. */
  printer?: PdfPrinter;
  config: Config;
  logger: Logger;
  /** Defaults to the store the configuration names (createBlobStore). */
  store?: BlobStore;
  /** The job queue (server/jobs); default: an in-process queue whose report jobs run in this thread (tests). */
  jobs?: JobQueue;
}

/** Builds the HTTP application without listening (tests drive it directly). */
export function createApp({ db, config, logger, catalogue = shippedCatalogue(), printer, store, jobs }: AppOptions): Express {
  const app = express();
  const deps: AppDeps = {
    db,
    catalogue,
    store: store ?? createBlobStore(config),
    printer: printer ?? new PdfPrinter(new BrowserLocator({ configured: config.chromiumPath, cacheDir: config.browserCacheDir, allowDownload: config.browserDownload })),
    config,
    version: packageVersion(),
    jobs: jobs ?? new InProcessQueue(),
    auth: new AuthService(db, {
      idleMinutes: config.sessionIdleMinutes,
      maxHours: config.sessionMaxHours,
      maxFailures: config.loginMaxFailures,
      lockMinutes: config.loginLockMinutes,
      accountMaxFailures: config.identity.accountMaxFailures,
      ipMaxFailures: config.identity.ipMaxFailures,
    }, new SecretBox(config.identity.mfaEncryptionKey ?? config.sessionSecret)),
  };
  app.locals.deps = deps;
  if (!jobs) void workReports(deps.jobs, db, { printer: deps.printer, store: deps.store, catalogue, logger });
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.set('query parser', 'simple');

  app.use(
    pinoHttp({
      logger,
      genReqId(req, res) {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // Only what an operator needs: no headers (cookies and tokens never reach the log).
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    }),
  );
  // No upgrade-insecure-requests: the server is often reached over plain HTTP on a LAN or localhost.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  // Every write, sign-in and download is recorded once its response has been sent.
  app.use(auditRequests(db, (err, req) => req.log?.error({ err }, 'audit entry not recorded')));
  app.use(cookieParser(config.sessionSecret));
  app.use(language);
  app.use(express.json({ limit: '1mb' }));
  app.use(rejectUnsafeText);
  app.use(healthRouter);

  const api = express.Router();
  api.use(authenticate, bindAuditContext);
  api.use(apiGuards, accountRouter);
  api.use(authRouter, tokensRouter, organizationsRouter, usersRouter, catalogueRouter, evidenceRouter, evidenceRequestsRouter, deadlinesRouter, systemsRouter, gradingsRouter, filingRouter, filing2025Router, extraItemsRouter, assessmentsRouter, hazardsRouter, verificationRouter, cloudRouter, workbookRouter, packRouter, reportsRouter, documentsRouter, auditRouter, oscalRouter, openApiRouter);
  app.use('/api/v1', api);
  app.use(apiDocsRouter());
  app.use('/static', express.static(path.join(projectRoot(), 'templates', 'static'), { maxAge: '1h' }));
  // Pages: form bodies, the same authentication as the API, then the page routers.
  const pages = express.Router();
  pages.use(express.urlencoded({ extended: false, limit: '100kb' }), rejectUnsafeText, authenticate, bindAuditContext, loadOrgChoices);
  // A POST with no form body (no Content-Type) leaves req.body undefined in express 5: the page handlers read fields from it.
  pages.use((req, _res, next) => {
    req.body ??= {};
    next();
  });
  pages.use(pageGuards, accountPagesRouter);
  // Evidence, finding and assessment-item forms (before the library's read-only routes).
  pages.use(evidenceFormsRouter, findingFormsRouter, assessmentItemsRouter);
  pages.use(systemPagesRouter, filing2025PagesRouter, pagesRouter, findingPagesRouter, workspacePagesRouter, workspaceWritesRouter, assessmentPagesRouter, hazardPagesRouter, verificationPagesRouter, verificationFormsRouter, libraryPagesRouter, platformPagesRouter, adminPagesRouter, organizationPagesRouter, auditPagesRouter);
  app.use(pages, pageNotFound, pageErrors);

  app.use(notFound);
  app.use(errorHandler);
  return app;
}
