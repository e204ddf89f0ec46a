import type { Knex } from 'knex';
import type { ProductMappingRead } from '../../reports/oscal/product-import.js';
import { ScopedService } from '../context.js';
import { transaction } from '../database/transaction.js';
import { newId, now } from '../util.js';
import type { Product, ProductCatalogue, ProductCategory } from './products.js';

type Row = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Imported products of `organizationIds` as catalogue products, each with its own category (its mapped units). */
export async function importedProducts(knex: Knex, organizationIds: string[]): Promise<{ products: Product[]; categories: ProductCategory[] }> {
  if (!organizationIds.length) return { products: [], categories: [] };
  const rows: Row[] = await knex('imported_products').whereIn('organization_id', organizationIds).orderBy(['vendor', 'name', 'product_id']);
  const units: Row[] = rows.length ? await knex('imported_product_units').whereIn('imported_product_id', rows.map((r) => r.id)).orderBy('code') : [];
  const products: Product[] = [];
  const categories: ProductCategory[] = [];
  for (const r of rows) {
    const category = `${r.product_id}@${r.organization_id}`;
    const covers = units.filter((u) => u.imported_product_id === r.id).map((u) => ({ unit: u.code as string, coverage: u.coverage as 'full' | 'partial', how: { zh: u.how as string, en: u.how as string } }));
    categories.push({ id: category, name: { zh: r.name, en: r.name }, description: { zh: r.description ?? r.name, en: r.description ?? r.name }, covers });
    products.push({
      id: r.product_id,
      vendor: { id: 'oscal', name: { zh: r.vendor, en: r.vendor } },
      name: { zh: r.name, en: r.name },
      categories: [category],
      source: `OSCAL component-definition “${r.document_title}” ${r.document_version} (${r.document_uuid})`,
      imported: { organizationId: r.organization_id, documentUuid: r.document_uuid, documentTitle: r.document_title, documentVersion: r.document_version, componentType: r.component_type, importedAt: r.created_at },
    });
  }
  return { products, categories };
}

/** The catalogue's products plus one organisation's imported ones (what its systems can deploy). */
export async function productsOfOrganization(knex: Knex, pc: ProductCatalogue, organizationId: string): Promise<ProductCatalogue> {
  const own = await importedProducts(knex, [organizationId]);
  return { ...pc, products: [...pc.products, ...own.products], categories: [...pc.categories, ...own.categories] };
}

/** Writes a vendor's product mappings for an organisation. */
export class ImportedProductsService extends ScopedService {
  /** 404 / 403 before the body is read. */
  assertCan(organizationId: string, write: boolean): void {
    this.scope.require(organizationId, write ? 'edit' : 'read');
  }

  /**
   * Replaces the organisation's products of this document (same uuid) with `read`, in one
   * transaction. Product ids are the component uuids, so systems that deployed a product keep it.
   */
  async replace(organizationId: string, read: ProductMappingRead): Promise<{ replaced: number; imported: number }> {
    this.scope.require(organizationId, 'edit');
    return transaction(this.knex, async (trx) => {
      const old: Row[] = await trx('imported_products')
        .where({ organization_id: organizationId })
        .where((w) => w.where('document_uuid', read.document.uuid).orWhereIn('product_id', read.products.map((p) => p.productId)))
        .select('id');
      const oldIds = old.map((r) => r.id);
      if (oldIds.length) {
        await trx('imported_product_units').whereIn('imported_product_id', oldIds).delete();
        await trx('imported_products').whereIn('id', oldIds).delete();
      }
      const at = now();
      for (const p of read.products) {
        const id = newId();
        await trx('imported_products').insert({
          id,
          organization_id: organizationId,
          product_id: p.productId,
          document_uuid: read.document.uuid,
          document_title: read.document.title,
          document_version: read.document.version,
          vendor: p.vendor,
          name: p.name,
          component_type: p.componentType,
          description: p.description,
          created_by: this.caller.userId,
          created_at: at,
        });
        // In chunks: SQLite allows 999 bound variables per statement.
        for (let i = 0; i < p.covers.length; i += 200) {
          await trx('imported_product_units').insert(p.covers.slice(i, i + 200).map((c) => ({ imported_product_id: id, code: c.code, coverage: c.coverage, how: c.how })));
        }
      }
      return { replaced: oldIds.length, imported: read.products.length };
    });
  }
}
