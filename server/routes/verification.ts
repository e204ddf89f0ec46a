import { Router } from 'express';
import { z } from 'zod';
import { COMPENSATION_KINDS, CompensationsService } from '../assessments/compensations.js';
import { FindingsService } from '../assessments/findings.js';
import { RiskAnalysisService } from '../assessments/risk-analysis.js';
import { AssessmentsService } from '../assessments/service.js';
import { readUploadToMemory } from '../http/memory-upload.js';
import { deps, serviceContext as ctx } from '../http/request.js';
import { fields, validate } from '../http/validate.js';
import { SCAN_FILE_LIMIT_BYTES } from '../verification/formats.js';
import { PENTEST_RISKS, PentestsService } from '../verification/pentests.js';
import { RaiseFindingService } from '../verification/raise.js';
import { ScansService } from '../verification/scans.js';
import { verificationTables } from '../verification/tables.js';
import { pageFields, sendArray } from '../http/pagination.js';

/**
 * Verification tests (漏洞扫描 imports, 渗透测试 cases), the overall assessment's compensations and the
 * risk analysis of findings, with the data tables they use (severity table, threat catalogue, risk matrix).
 */
export const verificationRouter = Router();

export const idParams = z.object({ id: fields.id });
const RISK = z.enum(['high', 'medium', 'low']);
const text = (max: number) => z.string().trim().min(1).max(max);
const optText = (max: number) => z.string().trim().max(max).nullable().optional();
const unitCode = z.string().regex(/^L\d-[A-Z]{3}\d-\d{2}$/, 'must be a unit code like L3-CES1-21');

verificationRouter.get('/verification-tables', (_req, res) => {
  const t = verificationTables();
  res.json({ severity: t.severity, threats: t.threats, riskMatrix: t.matrix });
});

export const postAssessmentsIdScansQuery = z.object({ dryRun: z.enum(['true', 'false']).optional() });
// 漏洞扫描
verificationRouter.post('/assessments/:id/scans', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const service = new ScansService(ctx(req), deps(req).store);
  await new AssessmentsService(ctx(req)).loadWritable(id); // 403/404/409 before the body is read
  // `?dryRun=true`: parsed and matched as an import would be, nothing written (the web form's preview).
  const { dryRun } = validate(req, postAssessmentsIdScansQuery, 'query');
  const file = await readUploadToMemory(req, SCAN_FILE_LIMIT_BYTES);
  if (dryRun === 'true') return void res.json(await service.preview(id, { content: file.content, fileName: file.fileName }));
  const { created, scan } = await service.import(id, { content: file.content, fileName: file.fileName });
  res.status(created ? 201 : 200).json({ ...scan, duplicate: !created });
});

verificationRouter.get('/assessments/:id/scans', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  sendArray(req, res, await new ScansService(ctx(req)).list(id));
});

export const vulnerabilitiesQuery = z.object({ scanId: fields.id.optional(), ...pageFields });

verificationRouter.get('/assessments/:id/vulnerabilities', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const q = validate(req, vulnerabilitiesQuery, 'query');
  sendArray(req, res, await new ScansService(ctx(req)).vulnerabilities(id, { scanId: q.scanId }), q);
});

verificationRouter.get('/scans/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  res.json(await new ScansService(ctx(req)).get(id));
});

verificationRouter.delete('/scans/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  await new ScansService(ctx(req)).remove(id);
  res.status(204).end();
});

export const raiseBody = z.strictObject({ findingId: fields.id.optional(), units: z.array(unitCode).max(50).optional(), title: text(300).optional(), risk: RISK.optional(), recommendation: optText(20000) });

/** Raises a finding (T-number) from a vulnerability; the vulnerability records it, the finding lists it. */
verificationRouter.post('/scan-vulnerabilities/:id/finding', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  res.status(201).json(await new RaiseFindingService(ctx(req)).fromVulnerability(id, validate(req, raiseBody)));
});

// 渗透测试
const pentestFields = {
  objectId: fields.id.nullable().optional(),
  target: optText(300),
  entryPoint: optText(500),
  method: text(500),
  steps: optText(20000),
  result: text(20000),
  risk: z.enum(PENTEST_RISKS),
  testedAt: optText(40),
};

verificationRouter.get('/assessments/:id/pentests', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  sendArray(req, res, await new PentestsService(ctx(req)).list(id));
});

export const postAssessmentsIdPentestsBody = z.strictObject(pentestFields);
verificationRouter.post('/assessments/:id/pentests', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const body = validate(req, postAssessmentsIdPentestsBody);
  res.status(201).json((await new PentestsService(ctx(req)).create(id, [body]))[0]);
});

/** The pen-test CSV layout (README "Penetration tests"), imported in one transaction. */
verificationRouter.post('/assessments/:id/pentests/import', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  await new AssessmentsService(ctx(req)).loadWritable(id); // 403/404/409 before the body is read
  const file = await readUploadToMemory(req, 5 * 1024 * 1024);
  res.status(201).json({ data: await new PentestsService(ctx(req)).importCsv(id, file.content) });
});

export const patchPentestsIdBody = z.strictObject({ ...z.strictObject(pentestFields).partial().shape, rowVersion: z.number().int().min(1) });
verificationRouter.patch('/pentests/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const body = validate(req, patchPentestsIdBody);
  res.json(await new PentestsService(ctx(req)).update(id, body));
});

verificationRouter.delete('/pentests/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  await new PentestsService(ctx(req)).remove(id);
  res.status(204).end();
});

verificationRouter.post('/pentests/:id/finding', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  res.status(201).json(await new RaiseFindingService(ctx(req)).fromPentest(id, validate(req, raiseBody)));
});

// 整体测评: compensations
export const compensationBody = z.strictObject({
  kind: z.enum(COMPENSATION_KINDS),
  measure: text(5000),
  reasoning: text(5000),
  effects: z.array(z.strictObject({ unit: unitCode, before: RISK, after: z.enum(['high', 'medium', 'low', 'none']) })).max(200),
  findings: z.array(z.strictObject({ findingId: fields.id, riskAfter: RISK })).max(200).optional(),
});

verificationRouter.get('/assessments/:id/compensations', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  sendArray(req, res, await new CompensationsService(ctx(req)).list(id));
});

verificationRouter.post('/assessments/:id/compensations', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  res.status(201).json(await new CompensationsService(ctx(req)).create(id, validate(req, compensationBody)));
});

verificationRouter.put('/compensations/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  res.json(await new CompensationsService(ctx(req)).update(id, validate(req, compensationBody.extend({ rowVersion: z.number().int().min(1) }))));
});

verificationRouter.delete('/compensations/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  await new CompensationsService(ctx(req)).remove(id);
  res.status(204).end();
});

// Risk analysis of a finding
/** One finding with its sources and risk analysis (the list is under /assessments/:id/findings). */
verificationRouter.get('/findings/:id', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  res.json(await new FindingsService(ctx(req)).get(id));
});

verificationRouter.get('/findings/:id/risk-analysis/suggestion', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  res.json(await new RiskAnalysisService(ctx(req)).suggest(id));
});

verificationRouter.put('/findings/:id/risk-analysis', async (req, res) => {
  const { id } = validate(req, idParams, 'params');
  const body = validate(
    req,
    z.strictObject({
      rowVersion: z.number().int().min(1),
      threats: z.array(z.string().regex(/^TH-\d{2}$/, 'must be a threat code like TH-07')).min(1).max(20),
      threat: optText(5000),
      harm: text(5000),
      objects: z.array(z.union([fields.id, z.literal('system')])).max(100).optional(),
      likelihood: z.number().int().min(1).max(5),
      impact: z.number().int().min(1).max(5),
      override: z.strictObject({ risk: RISK, reason: text(2000) }).nullable().optional(),
    }),
  );
  res.json(await new RiskAnalysisService(ctx(req)).save(id, body));
});
