import type { Catalogue } from '../../server/catalogue/index.js';
import { controlId } from './catalog.js';
import type { Unmatched } from './component-import.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Component types that are a product (the rest, e.g. `this-system` or `policy`, are skipped). */
export const PRODUCT_COMPONENT_TYPES = ['software', 'service', 'hardware'] as const;

export interface ProductCover {
  code: string;
  coverage: 'full' | 'partial';
  how: string;
}

export interface ImportedProductDraft {
  /** `oscal-<component uuid>`: the same on every re-import of the component. */
  productId: string;
  componentType: string;
  name: string;
  vendor: string;
  description: string | null;
  covers: ProductCover[];
}

export interface ProductMappingRead {
  document: { uuid: string; title: string; version: string };
  products: ImportedProductDraft[];
  /** Components that are not a product, by JSON path. */
  skipped: Array<{ path: string; title: string; type: string }>;
  unmatched: Unmatched[];
}

const propValue = (x: Json, name: string): string | undefined => ((x.props ?? []) as Json[]).find((p) => p.name === name)?.value;

/**
 * A (schema-valid) vendor component-definition as product mappings: each component of type
 * software / service / hardware is one product; its implemented requirements (or their statements)
 * name units by code (`L3-CES1-02`, prop `unit-code`, statement id `l3-ces1-02`) or by the
 * catalogue's OSCAL control id (`l3-ces1-cp-01`: every unit of the control point), at any level.
 * Coverage is the prop `coverage` (full / partial; partial when absent: the assessor decides);
 * how it helps is the description. The vendor is the party in the component's role `provider`
 * (else `supplier`, else the document's first organisation, else the document title).
 */
export function readProductMappings(catalogue: Catalogue, doc: Json): ProductMappingRead {
  const units = catalogue.query({});
  const byControl = new Map<string, string[]>();
  for (const u of units) {
    const id = controlId(u, catalogue.meta.sets[u.set]!.digit);
    byControl.set(id, [...(byControl.get(id) ?? []), u.code]);
  }
  const byCode = new Map(units.map((u) => [u.code.toLowerCase(), u.code]));
  const root = doc['component-definition'] as Json;
  const parties = (root.metadata?.parties ?? []) as Json[];
  const partyName = (uuid: string | undefined) => parties.find((p) => p.uuid === uuid)?.name as string | undefined;
  const vendorOf = (c: Json): string => {
    const roles = (c['responsible-roles'] ?? []) as Json[];
    for (const role of ['provider', 'supplier']) {
      const name = partyName(roles.find((r) => r['role-id'] === role)?.['party-uuids']?.[0]);
      if (name) return name;
    }
    return (parties.find((p) => p.type === 'organization')?.name as string | undefined) ?? String(root.metadata.title);
  };
  const products: ImportedProductDraft[] = [];
  const skipped: ProductMappingRead['skipped'] = [];
  const unmatched: Unmatched[] = [];
  (root.components ?? []).forEach((component: Json, ci: number) => {
    const cpath = `$.component-definition.components[${ci}]`;
    if (!(PRODUCT_COMPONENT_TYPES as readonly string[]).includes(component.type)) {
      skipped.push({ path: cpath, title: String(component.title), type: String(component.type) });
      return;
    }
    const covers = new Map<string, ProductCover>();
    const take = (codes: string[], x: Json, fallback: Json) => {
      const coverage = (propValue(x, 'coverage') ?? propValue(fallback, 'coverage')) === 'full' ? 'full' : 'partial';
      const how = String(x.description ?? fallback.description ?? component.description).slice(0, 1000);
      for (const code of codes) {
        const prev = covers.get(code);
        if (!prev || (prev.coverage === 'partial' && coverage === 'full')) covers.set(code, { code, coverage, how });
      }
    };
    (component['control-implementations'] ?? []).forEach((impl: Json, ii: number) => {
      (impl['implemented-requirements'] ?? []).forEach((req: Json, ri: number) => {
        const path = `${cpath}.control-implementations[${ii}].implemented-requirements[${ri}]`;
        const id = String(req['control-id']);
        const unitOf = (x: Json, sid?: string) => byCode.get(String(propValue(x, 'unit-code') ?? sid ?? '').toLowerCase());
        const statements = (req.statements ?? []) as Json[];
        if (statements.length) {
          statements.forEach((st, si) => {
            const code = unitOf(st, st['statement-id']);
            if (code) take([code], st, req);
            else if (byControl.has(id)) take(byControl.get(id)!, st, req);
            else unmatched.push({ path: `${path}.statements[${si}]`, controlId: String(st['statement-id']), reason: 'unknown_control' });
          });
        } else {
          const code = unitOf(req, id);
          if (code) take([code], req, {});
          else if (byControl.has(id.toLowerCase())) take(byControl.get(id.toLowerCase())!, req, {});
          else unmatched.push({ path, controlId: id, reason: 'unknown_control' });
        }
      });
    });
    products.push({
      productId: `oscal-${String(component.uuid).toLowerCase()}`,
      componentType: String(component.type),
      name: String(component.title).slice(0, 500),
      vendor: vendorOf(component).slice(0, 200),
      description: typeof component.description === 'string' ? component.description.slice(0, 2000) : null,
      covers: [...covers.values()],
    });
  });
  const meta = root.metadata as Json;
  return { document: { uuid: String(root.uuid).toLowerCase(), title: String(meta.title).slice(0, 500), version: String(meta.version).slice(0, 100) }, products, skipped, unmatched };
}
