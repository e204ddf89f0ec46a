import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { snapshotYaml } from '../catalogue/snapshot.js';

/** A YAML file as the build parsed it (snapshot), else parsed now. */
const readYaml = (file: string): unknown => snapshotYaml(file)?.data ?? parseYaml(readFileSync(file, 'utf8'));
import { z } from 'zod';
import { CatalogueError, shippedCatalogue, type Catalogue } from '../catalogue/index.js';
import { controlsDir, controlsPart } from '../controls/registry.js';

const zhEn = z.strictObject({ zh: z.string().min(1), en: z.string().min(1) });
const categoriesSchema = z.strictObject({
  source: z.string(),
  categories: z.array(
    z.strictObject({
      id: z.string().regex(/^[a-z0-9_]+$/),
      name: zhEn,
      description: zhEn,
      covers: z.array(z.strictObject({ unit: z.string(), coverage: z.enum(['full', 'partial']), how: zhEn })).min(1),
    }),
  ),
});
const vendorSchema = z.strictObject({
  vendor: z.strictObject({ id: z.string(), name: zhEn }),
  source: z.string(),
  products: z.array(z.strictObject({ id: z.string(), name: zhEn, categories: z.array(z.string()).min(1), note: z.string().optional() })),
});

export type ProductCategory = z.infer<typeof categoriesSchema>['categories'][number];
export interface Product {
  id: string;
  vendor: { id: string; name: { zh: string; en: string } };
  name: { zh: string; en: string };
  categories: string[];
  note?: string;
  source: string;
  /** An organisation's product imported from a vendor's OSCAL component-definition. */
  imported?: { organizationId: string; documentUuid: string; documentTitle: string; documentVersion: string; componentType: string; importedAt: string };
}
export interface ProductCatalogue {
  source: string;
  categories: ProductCategory[];
  products: Product[];
  vendors: Array<{ id: string; name: { zh: string; en: string }; source: string }>;
}

/** Loads controls/products/ and checks every mapping against the catalogue; throws listing every problem. */
export function loadProducts(catalogue: Catalogue, dir = path.join(controlsDir(), 'products')): ProductCatalogue {
  const problems: string[] = [];
  const cats = categoriesSchema.safeParse(readYaml(path.join(dir, 'categories.yaml')));
  if (!cats.success) throw new CatalogueError([`categories.yaml: ${cats.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`]);
  const ids = new Set<string>();
  for (const c of cats.data.categories) {
    if (ids.has(c.id)) problems.push(`categories.yaml: duplicate category ${c.id}`);
    ids.add(c.id);
    for (const cov of c.covers) if (!catalogue.byCode.has(cov.unit)) problems.push(`categories.yaml category ${c.id}: unit ${cov.unit} is not in the catalogue`);
  }
  const products: Product[] = [];
  const vendors: ProductCatalogue['vendors'] = [];
  const vendorDir = path.join(dir, 'vendors');
  for (const f of existsSync(vendorDir) ? readdirSync(vendorDir).filter((x) => x.endsWith('.yaml')).sort() : []) {
    const v = vendorSchema.safeParse(readYaml(path.join(vendorDir, f)));
    if (!v.success) {
      problems.push(`vendors/${f}: ${v.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      continue;
    }
    vendors.push({ ...v.data.vendor, source: v.data.source });
    for (const p of v.data.products) {
      for (const c of p.categories) if (!ids.has(c)) problems.push(`vendors/${f} product ${p.id}: unknown category ${c}`);
      if (products.some((x) => x.id === p.id)) problems.push(`vendors/${f}: duplicate product ${p.id}`);
      products.push({ ...p, vendor: v.data.vendor, source: v.data.source });
    }
  }
  if (problems.length) throw new CatalogueError(problems);
  return { source: cats.data.source, categories: cats.data.categories, products, vendors };
}

/** The controls package's products, checked against its catalogue once per process. */
const packagedProducts = controlsPart('products', (dir) => loadProducts(shippedCatalogue(), path.join(dir, 'products')));
let other: { catalogue: Catalogue; products: ProductCatalogue } | undefined;
/** The product catalogue checked against `catalogue` (the package's own, or another one a test loaded). */
export function productCatalogue(catalogue: Catalogue): ProductCatalogue {
  if (catalogue === shippedCatalogue()) return packagedProducts();
  if (other?.catalogue !== catalogue) other = { catalogue, products: loadProducts(catalogue) };
  return other.products;
}

/** Units a product helps meet, with the best coverage over its categories. */
export function unitsCoveredBy(pc: ProductCatalogue, categoryIds: string[]): Map<string, { coverage: 'full' | 'partial'; how: { zh: string; en: string }; category: string }> {
  const out = new Map<string, { coverage: 'full' | 'partial'; how: { zh: string; en: string }; category: string }>();
  for (const c of pc.categories.filter((x) => categoryIds.includes(x.id))) {
    for (const cov of c.covers) {
      const prev = out.get(cov.unit);
      if (!prev || (prev.coverage === 'partial' && cov.coverage === 'full')) out.set(cov.unit, { coverage: cov.coverage, how: cov.how, category: c.id });
    }
  }
  return out;
}
