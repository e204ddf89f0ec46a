import type { Knex } from 'knex';
import { ScopedService } from '../context.js';
import { transaction } from '../database/transaction.js';
import { NotFoundError } from '../errors.js';
import { bool, newId, now } from '../util.js';
import { SystemsService } from '../systems/service.js';
import { syncOpenAssessments } from './scope.js';

export interface ObjectInput {
  category: string;
  name: string;
  ip?: string | null;
  model?: string | null;
  version?: string | null;
  location?: string | null;
  importance: 'key' | 'important' | 'general';
  selected?: boolean;
  notes?: string | null;
}

export const objectView = (r: Record<string, any>) => ({
  id: r.id as string,
  systemId: r.system_id as string,
  category: r.category as string,
  name: r.name as string,
  ip: r.ip ?? null,
  model: r.model ?? null,
  version: r.version ?? null,
  location: r.location ?? null,
  importance: r.importance as 'key' | 'important' | 'general',
  selected: bool(r.selected),
  notes: r.notes ?? null,
});

const columns = (o: Partial<ObjectInput>) => {
  const c: Record<string, unknown> = {};
  const map: Record<string, string> = { category: 'category', name: 'name', ip: 'ip', model: 'model', version: 'version', location: 'location', importance: 'importance', selected: 'selected', notes: 'notes' };
  for (const [k, col] of Object.entries(map)) if (o[k as keyof ObjectInput] !== undefined) c[col] = o[k as keyof ObjectInput];
  return c;
};

/** 测评对象 of a system. Consultants and officers write. Open assessments follow changes in selection. */
export class ObjectsService extends ScopedService {
  private systems = new SystemsService({ knex: this.knex, caller: this.caller });

  async list(systemId: string) {
    await this.systems.load(systemId);
    return (await this.knex('assessed_objects').where({ system_id: systemId }).orderBy(['category', 'name'])).map(objectView);
  }

  /** Creates one or many objects in one transaction (bulk create from a list). */
  async create(systemId: string, inputs: ObjectInput[]) {
    const system = await this.systems.load(systemId, 'edit');
    const ids: string[] = [];
    await transaction(this.knex, async (trx) => {
      const at = now();
      // Every row with every column (missing ones null), so one multi-row insert fits them all;
      // 400 rows a statement (SQLite writes it as a compound SELECT of at most 500 terms).
      const rows = inputs.map((input) => {
        const id = newId();
        ids.push(id);
        return { ip: null, model: null, version: null, location: null, notes: null, ...columns(input), selected: input.selected ?? true, id, organization_id: system.organization_id, system_id: systemId, created_at: at, updated_at: at };
      });
      for (let i = 0; i < rows.length; i += 400) await trx('assessed_objects').insert(rows.slice(i, i + 400));
      await syncOpenAssessments(trx, systemId);
    });
    return (await this.knex('assessed_objects').whereIn('id', ids)).map(objectView).sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id));
  }

  private async load(id: string, trx: Knex = this.knex) {
    const row = await this.scope.query(trx, 'assessed_objects').where('id', id).first();
    if (!row) throw new NotFoundError({ resource: 'object', id });
    return row as Record<string, any> & { organization_id: string; system_id: string };
  }

  async update(id: string, patch: Partial<ObjectInput>) {
    const row = await this.load(id);
    this.scope.require(row.organization_id, 'edit', 'object');
    await transaction(this.knex, async (trx) => {
      await trx('assessed_objects').where({ id }).update({ ...columns(patch), updated_at: now() });
      await syncOpenAssessments(trx, row.system_id);
    });
    return objectView(await this.knex('assessed_objects').where({ id }).first());
  }

  /** Deletes an object no assessment has results for; otherwise it is deselected (results are history). */
  async remove(id: string): Promise<{ deleted: boolean; deselected: boolean }> {
    const row = await this.load(id);
    this.scope.require(row.organization_id, 'edit', 'object');
    return transaction(this.knex, async (trx) => {
      const used = await trx('assessment_results').where({ object_key: id }).whereNot('value', 'not_assessed').first();
      if (used) {
        await trx('assessed_objects').where({ id }).update({ selected: false, updated_at: now() });
        await syncOpenAssessments(trx, row.system_id);
        return { deleted: false, deselected: true };
      }
      await trx('assessment_results').where({ object_key: id }).delete();
      await trx('assessed_objects').where({ id }).delete();
      return { deleted: true, deselected: false };
    });
  }
}
