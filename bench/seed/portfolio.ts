/**
 * A generated portfolio for the benchmark and the scale tests: organisations, systems at a
 * realistic level mix with gradings, filings and lifecycle history, assessed objects, platforms,
 * ~1 assessment per 10 systems with all their result rows, findings with remediations, and
 * evidence records with small files. Deterministic from the seed (same seed → same names, values
 * and ids), written with multi-row inserts in the real schema so the app reads it as its own.
 */
import { analyzeAfterBulkLoad } from '../../server/database/optimize.js';
import { Readable } from 'node:stream';
import type { Knex } from 'knex';
import { shippedCatalogue, type Catalogue } from '../../server/catalogue/index.js';
import { upsertCatalogue } from '../../server/catalogue/store.js';
import { readDemoData } from '../../server/services/demo.js';
import { createUser } from '../../server/services/users.js';
import type { BlobStore } from '../../server/storage/blob-store.js';
import { generateAssessment, scopeCache } from './assessments.js';
import { insertChunked } from './batch.js';
import { Prng } from './prng.js';
import { day, generateSystem, stamp, type SystemRows } from './systems.js';

export interface PortfolioOptions {
  systems: number;
  seed?: number;
  store?: BlobStore;
  /** Default: one per 10 systems (at least 1). */
  assessments?: number;
  catalogue?: Catalogue;
}

export interface Portfolio {
  organizationIds: string[];
  officerUsername: string;
  consultantUsername: string;
  assessmentIds: string[];
}

/** The seeded users sign in with the demo password (fixtures/demo.json). */
export const PORTFOLIO_PASSWORD = readDemoData().password;

export async function seedPortfolio(knex: Knex, opts: PortfolioOptions): Promise<Portfolio> {
  const seed = opts.seed ?? 1;
  const rng = new Prng(seed);
  // Evidence draws from its own stream: with or without a blob store, everything else is the same.
  const evidenceRng = new Prng(seed * 7919 + 17);
  const catalogue = opts.catalogue ?? shippedCatalogue();
  const version = await upsertCatalogue(knex, catalogue);
  // Users first, outside the transaction: password hashing is slow and SQLite has one connection.
  const officer = await createUser(knex, { username: `portfolio-officer-${seed}`, displayName: `组合安全负责人 ${seed}`, password: PORTFOLIO_PASSWORD });
  const consultant = await createUser(knex, { username: `portfolio-consultant-${seed}`, displayName: `组合测评师 ${seed}`, password: PORTFOLIO_PASSWORD });
  const made = await knex.transaction(async (trx) => {
    // One organisation per 2,000 systems; the first one holds most of them (one big group office).
    const orgCount = 1 + Math.floor(opts.systems / 2000);
    const orgs = Array.from({ length: orgCount }, (_, k) => ({
      id: rng.uuid(),
      name: `组合测评机构${seed}-${k + 1}`,
      name_en: `Portfolio organisation ${seed}-${k + 1}`,
      credit_code: null,
      address: `示例市示例路${k + 1}号`,
      created_at: stamp(0),
      updated_at: stamp(0),
    }));
    await insertChunked(trx, 'organizations', orgs);
    await insertChunked(trx, 'memberships', orgs.flatMap((o) => [
      { id: rng.uuid(), organization_id: o.id, user_id: officer.id, role: 'officer', created_at: stamp(0) },
      { id: rng.uuid(), organization_id: o.id, user_id: consultant.id, role: 'consultant', created_at: stamp(0) },
    ]));
    const platforms = Array.from({ length: 3 }, (_, k) => ({
      id: rng.uuid(),
      organization_id: orgs[0]!.id,
      published: false,
      provider: ['阿里云计算有限公司', '腾讯云计算（北京）有限责任公司', '华为云计算技术有限公司'][k]!,
      product: `示例政务云节点 ${k + 1}`,
      deployment: '专有云（本地部署）',
      region: '示例市政务云数据中心',
      level: 3,
      report_number: `33010043002-26-0456-0${k + 1}`,
      assessing_organization: '示例信息安全等级测评有限公司',
      conclusion: '符合',
      test_date: day(-200 - k),
      valid_until: day(165 - k),
      created_by: officer.id,
      created_at: stamp(0),
      updated_at: stamp(0),
    }));
    await insertChunked(trx, 'platforms', platforms);

    const systems: SystemRows[] = [];
    for (let i = 0; i < opts.systems; i++) {
      const org = i % 5 === 4 && orgCount > 1 ? orgs[1 + ((i / 5) | 0) % (orgCount - 1)]! : orgs[0]!;
      systems.push(generateSystem(rng, i, org.id, officer.id, platforms.map((p) => p.id)));
    }
    await insertChunked(trx, 'systems', systems.map((s) => s.system));
    await insertChunked(trx, 'gradings', systems.map((s) => s.grading));
    await insertChunked(trx, 'filings', systems.flatMap((s) => (s.filing ? [s.filing] : [])));
    await insertChunked(trx, 'system_transitions', systems.flatMap((s) => s.transitions));
    await insertChunked(trx, 'assessed_objects', systems.flatMap((s) => s.objects.map((o) => o.row)));

    // Assessments go to graded systems of level 2 and above, spread evenly over the portfolio.
    const assessable = systems.filter((s) => s.level >= 2);
    const wanted = Math.min(assessable.length, opts.assessments ?? Math.max(1, Math.round(opts.systems / 10)));
    const units = scopeCache(trx, version.id);
    const assessmentIds: string[] = [];
    for (let n = 0; n < wanted; n++) {
      const s = assessable[Math.floor((n * assessable.length) / wanted)]!;
      const a = await generateAssessment(rng, n, s, version.id, units, consultant.id);
      await insertChunked(trx, 'assessments', [a.assessment]);
      await insertChunked(trx, 'assessment_results', a.results);
      await insertChunked(trx, 'findings', a.findings);
      await insertChunked(trx, 'remediations', a.remediations);
      if (opts.store) await seedEvidence(trx, evidenceRng, opts.store, n, a.assessment, a.findings, officer.id);
      assessmentIds.push(a.assessment.id as string);
    }
    return { organizationIds: orgs.map((o) => o.id), officerUsername: officer.username, consultantUsername: consultant.username, assessmentIds };
  });
  // Statistics for the planner after the bulk load, as an operator (or autovacuum) would have them.
  await analyzeAfterBulkLoad(knex);
  return made;
}

/** Two small evidence files per assessment, stored through the blob store and linked to a finding. */
async function seedEvidence(trx: Knex, rng: Prng, store: BlobStore, n: number, a: Record<string, unknown>, findings: Array<Record<string, unknown>>, userId: string): Promise<void> {
  const orgId = a.organization_id as string;
  for (let k = 0; k < 2; k++) {
    const content = Buffer.from(`生成的证据 ${a.id} #${k + 1}\nconfiguration excerpt ${rng.uuid()}\n`, 'utf8');
    const staged = await store.stage(Readable.from([content]), 1 << 20);
    const id = rng.uuid();
    const at = stamp(200_000 + n * 2 + k);
    await trx('evidence_blobs').insert({ organization_id: orgId, hash: staged.hash, size: staged.size, media_type: 'text/plain', stored_at: at }).onConflict(['organization_id', 'hash']).ignore();
    await insertChunked(trx, 'evidence', [{
      id,
      organization_id: orgId,
      title: `配置核查截图 ${n + 1}-${k + 1}`,
      kind: k === 0 ? 'configuration' : 'screenshot',
      description: null,
      collected_at: at,
      collected_by: '组合测评师',
      valid_until: k === 0 ? day(rng.int(-30, 120)) : null,
      source: null,
      current_version: 1,
      created_by: userId,
      created_at: at,
      updated_at: at,
    }]);
    await insertChunked(trx, 'evidence_versions', [{ id: rng.uuid(), evidence_id: id, organization_id: orgId, version: 1, hash: staged.hash, size: staged.size, media_type: 'text/plain', original_name: `evidence-${n + 1}-${k + 1}.txt`, uploaded_by: userId, uploaded_at: at, note: null }]);
    await insertChunked(trx, 'evidence_events', [{ evidence_id: id, organization_id: orgId, at, user_id: userId, action: 'created', details: JSON.stringify({ version: 1, hash: staged.hash }) }]);
    const finding = findings[k];
    if (finding) await insertChunked(trx, 'evidence_links', [{ id: rng.uuid(), organization_id: orgId, evidence_id: id, target_type: 'finding', target_id: finding.id, created_by: userId, created_at: at }]);
    await staged.commit(orgId);
  }
}
