import { ScopedService, type ServiceContext } from '../context.js';
import { addDays, todayInChina } from '../dates.js';
import { transaction } from '../database/transaction.js';
import { ValidationError } from '../errors.js';
import { SystemsService } from '../systems/service.js';
import { newId, now } from '../util.js';
import { productsOfOrganization } from './imported-products.js';
import { unitsCoveredBy, type ProductCatalogue } from './products.js';

/**
 * Security products a system uses. Recording one drafts, in the system's open assessments, a record
 * text for every not-yet-assessed unit the product helps meet, and opens an evidence request for
 * its configuration. It never sets a result: the assessor decides.
 */
export class DeployedProductsService extends ScopedService {
  constructor(
    ctx: ServiceContext,
    private readonly products: ProductCatalogue,
  ) {
    super(ctx);
  }

  private systems = new SystemsService({ knex: this.knex, caller: this.caller });

  private view(pc: ProductCatalogue, r: Record<string, any>) {
    const p = pc.products.find((x) => x.id === r.product_id);
    return { id: r.id, systemId: r.system_id, productId: r.product_id, product: p ? { vendor: p.vendor, name: p.name, categories: p.categories, ...(p.imported ? { imported: p.imported } : {}) } : null, since: r.since ?? null, notes: r.notes ?? null, evidenceId: r.evidence_id ?? null, createdAt: r.created_at };
  }

  async list(systemId: string) {
    const system = await this.systems.load(systemId);
    const pc = await productsOfOrganization(this.knex, this.products, system.organization_id);
    return (await this.knex('deployed_products').where({ system_id: systemId }).orderBy('created_at')).map((r: Record<string, any>) => this.view(pc, r));
  }

  async add(systemId: string, input: { productId: string; since?: string | null; notes?: string | null; evidenceId?: string | null }) {
    const system = await this.systems.load(systemId, 'edit');
    // The catalogue's products and the organisation's own, imported from OSCAL.
    const pc = await productsOfOrganization(this.knex, this.products, system.organization_id);
    const product = pc.products.find((p) => p.id === input.productId);
    if (!product) throw new ValidationError({}, [{ path: 'productId', code: 'not_found', message: `unknown product ${input.productId}` }]);
    if (input.evidenceId && !(await this.knex('evidence').where({ id: input.evidenceId, organization_id: system.organization_id }).first())) {
      throw new ValidationError({}, [{ path: 'evidenceId', code: 'not_found', message: 'no such evidence in this organisation' }]);
    }
    const covered = unitsCoveredBy(pc, product.categories);
    const id = newId();
    let drafted = 0;
    const grading = await this.knex('gradings').where({ system_id: systemId }).orderBy('version', 'desc').first();
    const level = grading ? Number(grading.level) : 3;
    await transaction(this.knex, async (trx) => {
      await trx('deployed_products').insert({ id, organization_id: system.organization_id, system_id: systemId, product_id: product.id, since: input.since ?? null, notes: input.notes ?? null, evidence_id: input.evidenceId ?? null, created_by: this.caller.userId, created_at: now() });
      const open = await trx('assessments').where({ system_id: systemId }).whereIn('status', ['draft', 'in_progress', 'review']).pluck('id');
      if (open.length) {
        const rows = await trx('assessment_results').whereIn('assessment_id', open).whereIn('code', [...covered.keys()]).where('value', 'not_assessed').whereNull('record');
        for (const r of rows) {
          const c = covered.get(r.code)!;
          await trx('assessment_results')
            .where({ id: r.id })
            .update({ record: `【草稿】已部署${product.vendor.name.zh}${product.name.zh}（${c.coverage === 'full' ? '可满足' : '部分满足'}）：${c.how.zh} 待核查实际配置后判定。`, row_version: Number(r.row_version) + 1 });
          drafted++;
        }
      }
      await trx('evidence_requests').insert({
        id: newId(),
        organization_id: system.organization_id,
        title: `【建议】提供${product.vendor.name.zh}${product.name.zh}的配置与策略证据`,
        description: `覆盖测评项：${[...covered.keys()].filter((c) => c.startsWith(`L${level}-`)).join('、')}`,
        requested_from: system.owner ?? '系统运维负责人',
        due_date: addDays(todayInChina(), 14),
        target_type: 'system',
        target_id: systemId,
        status: 'open',
        created_by: this.caller.userId,
        created_at: now(),
        updated_at: now(),
      });
    });
    return { ...this.view(pc, await this.knex('deployed_products').where({ id }).first()), draftedRecords: drafted, coveredUnits: covered.size };
  }
}
