import { z } from 'zod';
import { ScopedService, type ServiceContext } from '../context.js';
import { NotFoundError } from '../errors.js';
import { newId, now } from '../util.js';
import type { ResultRow, UnitInfo } from './aggregate.js';
import { AssessmentsService } from './service.js';

/**
 * Additional items of an assessment beyond the catalogue: the assessor's own checks (for a level-5
 * system the GA/T 2182-2024 checks, 公网安〔2025〕1846号 Q10), each with its own code `X-…`, one
 * result for the whole system. They are counted in the rate like the units of a requirement set
 * `additional` (weight general) and are always shown marked as additional.
 */
const text = (max: number) => z.string().trim().min(1).max(max);
export const extraItemFields = {
  code: z.string().trim().regex(/^X-[A-Za-z0-9][A-Za-z0-9.-]{0,36}$/, 'must start with X- (the assessor’s own code), e.g. X-GAT2182-01'),
  title: text(300),
  requirement: z.string().trim().max(5000).nullable().optional(),
  source: z.string().trim().max(200).nullable().optional(),
  value: z.enum(['conform', 'partial', 'nonconform', 'na']).nullable().optional(),
  record: z.string().trim().max(20000).nullable().optional(),
};
export type ExtraItemInput = { code: string; title: string; requirement?: string | null; source?: string | null; value?: ResultRow['value'] | null; record?: string | null };

export const extraItemView = (r: Record<string, any>) => ({ id: r.id, code: r.code, title: r.title, requirement: r.requirement ?? null, source: r.source ?? null, value: r.value ?? null, record: r.record ?? null, additional: true as const });

/** Extra items as units and result rows for the aggregation (set `additional`, after every catalogue set). */
export function extraUnits(rows: Array<Record<string, any>>): { units: UnitInfo[]; results: ResultRow[] } {
  return {
    units: rows.map((r) => ({ code: r.code, set: 'additional', setOrder: 99, layer: 'ADD', layerOrder: 99, controlPoint: { zh: '补充测评项', en: 'Additional items', order: 1 }, domains: [], weight: 'general' as const })),
    results: rows.filter((r) => r.value).map((r) => ({ code: r.code, objectKey: 'system', value: r.value })),
  };
}

export class ExtraItemsService extends ScopedService {
  private assessments: AssessmentsService;
  constructor(ctx: ServiceContext) {
    super(ctx);
    this.assessments = new AssessmentsService(ctx);
  }

  async list(assessmentId: string) {
    await this.assessments.load(assessmentId);
    return (await this.knex('assessment_extra_items').where({ assessment_id: assessmentId }).orderBy('code')).map(extraItemView);
  }

  async create(assessmentId: string, input: ExtraItemInput) {
    const a = await this.assessments.loadWritable(assessmentId);
    const id = newId();
    await this.knex('assessment_extra_items').insert({ id, assessment_id: a.id, organization_id: a.organization_id, code: input.code, title: input.title, requirement: input.requirement ?? null, source: input.source ?? null, value: input.value ?? null, record: input.record ?? null, created_by: this.caller.userId, created_at: now(), updated_at: now() });
    return extraItemView(await this.knex('assessment_extra_items').where({ id }).first());
  }

  async update(assessmentId: string, code: string, patch: Partial<Omit<ExtraItemInput, 'code'>>) {
    await this.assessments.loadWritable(assessmentId);
    const row = await this.knex('assessment_extra_items').where({ assessment_id: assessmentId, code }).first();
    if (!row) throw new NotFoundError({ resource: 'extra_item', id: code });
    const c: Record<string, unknown> = { updated_at: now() };
    for (const k of ['title', 'requirement', 'source', 'value', 'record'] as const) if (patch[k] !== undefined) c[k] = patch[k];
    await this.knex('assessment_extra_items').where({ id: row.id }).update(c);
    return extraItemView(await this.knex('assessment_extra_items').where({ id: row.id }).first());
  }

  async remove(assessmentId: string, code: string) {
    await this.assessments.loadWritable(assessmentId);
    const n = await this.knex('assessment_extra_items').where({ assessment_id: assessmentId, code }).delete();
    if (!n) throw new NotFoundError({ resource: 'extra_item', id: code });
  }
}
