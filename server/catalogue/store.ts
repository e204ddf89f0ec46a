import type { Knex } from 'knex';
import { transaction } from '../database/transaction.js';
import { newId, now } from '../util.js';
import type { Catalogue } from './catalogue.js';

export interface StoredVersion {
  id: string;
  version: string;
  contentHash: string;
  itemCount: number;
  loadedAt: string;
  created: boolean;
}

/**
 * Stores a catalogue version in the database, idempotently: a version with the same content hash
 * is reused untouched; any change to the data is a new version, in one transaction. Earlier
 * versions stay, so an assessment that recorded one is never rewritten.
 */
export async function upsertCatalogue(knex: Knex, catalogue: Catalogue): Promise<StoredVersion> {
  return transaction(knex, async (trx) => {
    const existing = await trx('catalogue_versions').where({ content_hash: catalogue.contentHash }).first();
    if (existing) {
      return { id: existing.id, version: existing.version, contentHash: existing.content_hash, itemCount: Number(existing.item_count), loadedAt: existing.loaded_at, created: false };
    }
    const id = newId();
    const loadedAt = now();
    await trx('catalogue_versions').insert({
      id,
      catalogue_id: catalogue.meta.id,
      version: catalogue.version,
      content_hash: catalogue.contentHash,
      item_count: catalogue.items.length,
      loaded_at: loadedAt,
    });
    const items = catalogue.items.map((i) => ({
      catalogue_version_id: id,
      code: i.code,
      level: i.level,
      set: i.set,
      layer: i.layer,
      control_point: i.controlPoint.zh,
      clause: i.clause,
      weight: i.weight,
      data: JSON.stringify(i),
    }));
    await insertChunks(trx, 'catalogue_items', items);
    await insertChunks(
      trx,
      'high_risk_cases',
      catalogue.highRiskCases.map((c) => ({ catalogue_version_id: id, case_id: c.id, extension: c.extension, min_level: c.minLevel, data: JSON.stringify(c) })),
    );
    await insertChunks(
      trx,
      'high_risk_case_units',
      catalogue.highRiskCases.flatMap((c) => c.units.map((code) => ({ catalogue_version_id: id, case_id: c.id, code }))),
    );
    return { id, version: catalogue.version, contentHash: catalogue.contentHash, itemCount: items.length, loadedAt, created: true };
  });
}

/** Inserts rows in chunks inside the given transaction (keeps under the engines' bind-variable limits). */
async function insertChunks(trx: Knex, table: string, rows: object[], size = 100): Promise<void> {
  for (let i = 0; i < rows.length; i += size) await trx(table).insert(rows.slice(i, i + size));
}
