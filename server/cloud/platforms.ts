import type { Knex } from 'knex';
import type { Catalogue } from '../catalogue/index.js';
import { ForbiddenError, NotFoundError, ValidationError, type ErrorDetail } from '../errors.js';
import { can, ScopedService, type ServiceContext } from '../context.js';
import { diff, recordAudit } from '../audit/chain.js';
import { transaction } from '../database/transaction.js';
import { bool, newId, now } from '../util.js';
import { flagPlatformChange } from './inheritance.js';
import { defaultValidUntil, platformView, responsibilityMatrix, type PlatformInput, type PlatformResult, type Responsibility } from './platform-rules.js';

export * from './platform-rules.js';

/**
 * Cloud platforms: private to one organisation (its officers manage it) or shared across
 * organisations (published by a system administrator). A private platform of another organisation is 404.
 */
export class PlatformsService extends ScopedService {
  constructor(
    ctx: ServiceContext,
    private readonly catalogue: Catalogue,
  ) {
    super(ctx);
  }

  private visible(knex: Knex) {
    const ids = this.scope.organizationIds('read');
    return knex('platforms').where((w) => {
      w.where('published', true);
      if (ids.length) w.orWhereIn('organization_id', ids);
      if (can(this.caller, 'platforms.publish')) w.orWhereNull('organization_id');
    });
  }

  async load(id: string, trx: Knex = this.knex): Promise<Record<string, any>> {
    const row = await this.visible(trx).where('id', id).first();
    if (!row) throw new NotFoundError({ resource: 'platform', id });
    return row;
  }

  /**
   * A private platform: its organisation's officers. A published (shared) one: only a system
   * administrator, since its changes reach every tenant's assessments (defect 7: an officer could
   * publish its platform to everyone). Another organisation's private platform stays 404.
   */
  private requireWrite(row: Record<string, any>, publishing = false): void {
    if (bool(row.published) || publishing || !row.organization_id) {
      if (!can(this.caller, 'platforms.publish')) throw new ForbiddenError({ action: 'publish' });
      return;
    }
    this.scope.require(row.organization_id, 'manage', 'platform');
  }

  /** 404 / 403 before a body is read: may the caller change this platform's matrix? */
  async assertCanWrite(id: string): Promise<void> {
    this.requireWrite(await this.load(id));
  }

  async list() {
    return (await this.visible(this.knex).orderBy(['provider', 'product'])).map(platformView);
  }

  async get(id: string) {
    return platformView(await this.load(id));
  }

  async create(input: PlatformInput) {
    const orgId = input.organizationId ?? null;
    if (orgId) this.scope.require(orgId, 'manage', 'platform');
    this.requireWrite({ organization_id: orgId }, !!input.published);
    if (!orgId && !input.published) throw new ValidationError({}, [{ path: 'organizationId', code: 'required', message: 'a platform is private to an organisation, or published by an admin' }]);
    await this.checkReportEvidence(orgId, input.reportEvidenceId);
    const id = newId();
    await this.knex('platforms').insert({
      id,
      organization_id: orgId,
      published: !!input.published && !orgId ? true : !!input.published,
      provider: input.provider,
      product: input.product,
      deployment: input.deployment ?? null,
      region: input.region ?? null,
      level: input.level,
      report_number: input.reportNumber,
      assessing_organization: input.assessingOrganization,
      conclusion: input.conclusion,
      test_date: input.testDate,
      valid_until: input.validUntil ?? defaultValidUntil(input.level, input.testDate),
      report_evidence_id: input.reportEvidenceId ?? null,
      created_by: this.caller.userId,
      created_at: now(),
      updated_at: now(),
    });
    return this.get(id);
  }

  /**
   * The platform's test report is an evidence record of its own organisation (of any, for a
   * platform an admin publishes): else 400 naming reportEvidenceId, not a bare foreign-key refusal,
   * and never a link to another organisation's evidence.
   */
  private async checkReportEvidence(orgId: string | null, evidenceId: string | null | undefined): Promise<void> {
    if (!evidenceId) return;
    const q = this.knex('evidence').where({ id: evidenceId });
    if (!(await (orgId ? q.where({ organization_id: orgId }) : q).first('id'))) {
      throw new ValidationError({}, [{ path: 'reportEvidenceId', code: 'not_found', message: 'no such evidence in the platform’s organisation', rule: 'no_such_evidence' }]);
    }
  }

  /** Updates the platform and flags every open assessment whose inheritance it affects. */
  async update(id: string, patch: Partial<PlatformInput>) {
    const row = await this.load(id);
    this.requireWrite(row, patch.published === true);
    const map: Record<string, string> = {
      provider: 'provider', product: 'product', deployment: 'deployment', region: 'region', level: 'level', reportNumber: 'report_number',
      assessingOrganization: 'assessing_organization', conclusion: 'conclusion', testDate: 'test_date', validUntil: 'valid_until', reportEvidenceId: 'report_evidence_id', published: 'published',
    };
    if (patch.reportEvidenceId !== undefined) await this.checkReportEvidence(row.organization_id ?? null, patch.reportEvidenceId);
    const changes: Record<string, unknown> = { updated_at: now() };
    for (const [k, c] of Object.entries(map)) if ((patch as Record<string, unknown>)[k] !== undefined) changes[c] = (patch as Record<string, unknown>)[k];
    // No date given (null clears one set by hand) and the level or test date changed: the default
    // validity again, as at creation.
    if (patch.validUntil === null || ((patch.level !== undefined || patch.testDate !== undefined) && patch.validUntil === undefined)) {
      changes.valid_until = defaultValidUntil(patch.level ?? Number(row.level), patch.testDate ?? row.test_date);
    }
    await transaction(this.knex, async (trx) => {
      await trx('platforms').where({ id }).update(changes);
      const after = await trx('platforms').where({ id }).first();
      await flagPlatformChange(trx, id);
      await recordAudit(trx, { organizationId: row.organization_id ?? null, action: 'platform.update', targetType: 'platform', targetId: id, changes: diff(row, after, Object.values(map)) });
    });
    return this.get(id);
  }

  /** The matrix for one level: each unit's responsibility and, for provider and shared units, the platform's result. */
  async responsibilities(id: string, level?: number, set?: string) {
    await this.load(id);
    return responsibilityMatrix(this.knex, this.catalogue, id, level, set);
  }

  async putResponsibilities(id: string, entries: Array<{ code: string; responsibility: Responsibility; platformResult?: PlatformResult | null; note?: string | null }>) {
    const row = await this.load(id);
    this.requireWrite(row);
    const problems: ErrorDetail[] = [];
    entries.forEach((e, i) => {
      if (!this.catalogue.byCode.has(e.code)) problems.push({ path: `entries.${i}.code`, code: 'unknown_unit', message: `${e.code} is not in the catalogue` });
      if (e.responsibility === 'tenant' && e.platformResult) problems.push({ path: `entries.${i}.platformResult`, code: 'not_allowed', message: 'a tenant unit has no platform result' });
    });
    if (problems.length) throw new ValidationError({}, problems);
    await transaction(this.knex, async (trx) => {
      // A few statements for any number of entries: the entries replace those of their units (the
      // last entry of a unit named twice wins), deleted and inserted 400 at a time.
      const byCode = new Map(entries.map((e) => [e.code, e]));
      const rows = [...byCode.values()].map((e) => ({ platform_id: id, code: e.code, responsibility: e.responsibility, platform_result: e.platformResult ?? null, note: e.note ?? null }));
      for (let i = 0; i < rows.length; i += 400) {
        const chunk = rows.slice(i, i + 400);
        await trx('platform_responsibilities').where({ platform_id: id }).whereIn('code', chunk.map((r) => r.code)).delete();
        await trx('platform_responsibilities').insert(chunk);
      }
      await trx('platforms').where({ id }).update({ updated_at: now() });
      await flagPlatformChange(trx, id);
    });
    return this.responsibilities(id);
  }
}

