import { ScopedService } from '../context.js';
import { NotFoundError, ValidationError } from '../errors.js';
import { newId, now } from '../util.js';
import { SystemsService } from './service.js';

export interface InspectionInput {
  kind: 'supervision' | 'self';
  inspectedOn: string;
  organ?: string | null;
  result: string;
  notice?: string | null;
  noticeDue?: string | null;
  rectifiedOn?: string | null;
}

const view = (r: Record<string, any>) => ({
  id: r.id,
  systemId: r.system_id,
  kind: r.kind,
  inspectedOn: r.inspected_on,
  organ: r.organ ?? null,
  result: r.result,
  notice: r.notice ?? null,
  noticeDue: r.notice_due ?? null,
  rectifiedOn: r.rectified_on ?? null,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

/** Supervision inspections (监督检查) by the public security organ, with rectification notices, and self-inspections. */
export class InspectionsService extends ScopedService {
  private systems = new SystemsService({ knex: this.knex, caller: this.caller });

  async list(systemId: string) {
    await this.systems.load(systemId);
    return (await this.knex('inspections').where({ system_id: systemId }).orderBy('inspected_on', 'desc')).map(view);
  }

  private check(input: Partial<InspectionInput>, current?: Record<string, any>) {
    const kind = input.kind ?? current?.kind;
    const inspectedOn = input.inspectedOn ?? current?.inspected_on;
    const notice = input.notice !== undefined ? input.notice : current?.notice;
    const noticeDue = input.noticeDue !== undefined ? input.noticeDue : current?.notice_due;
    const rectifiedOn = input.rectifiedOn !== undefined ? input.rectifiedOn : current?.rectified_on;
    const problems = [];
    if (kind === 'supervision' && !(input.organ ?? current?.organ)) problems.push({ path: 'organ', code: 'required', message: 'the inspecting organ is required for a supervision inspection', rule: 'organ_required' });
    if (noticeDue && !notice) problems.push({ path: 'noticeDue', code: 'not_allowed', message: 'a due date needs a rectification notice', rule: 'due_needs_notice' });
    if (noticeDue && noticeDue < inspectedOn) problems.push({ path: 'noticeDue', code: 'date_order', message: `must not be before the inspection (${inspectedOn})`, rule: 'not_before', params: { what: 'inspection_date', date: inspectedOn } });
    if (rectifiedOn && rectifiedOn < inspectedOn) problems.push({ path: 'rectifiedOn', code: 'date_order', message: `must not be before the inspection (${inspectedOn})`, rule: 'not_before', params: { what: 'inspection_date', date: inspectedOn } });
    if (problems.length) throw new ValidationError({}, problems);
  }

  async create(systemId: string, input: InspectionInput) {
    const system = await this.systems.load(systemId, 'manage');
    this.check(input);
    const id = newId();
    await this.knex('inspections').insert({
      id,
      system_id: systemId,
      organization_id: system.organization_id,
      kind: input.kind,
      inspected_on: input.inspectedOn,
      organ: input.organ ?? null,
      result: input.result,
      notice: input.notice ?? null,
      notice_due: input.noticeDue ?? null,
      rectified_on: input.rectifiedOn ?? null,
      created_by: this.caller.userId,
      created_at: now(),
    });
    return view(await this.knex('inspections').where({ id }).first());
  }

  async update(systemId: string, id: string, patch: Partial<InspectionInput>) {
    await this.systems.load(systemId, 'manage');
    const current = await this.knex('inspections').where({ id, system_id: systemId }).first();
    if (!current) throw new NotFoundError({ resource: 'inspection', id });
    this.check(patch, current);
    const changes: Record<string, unknown> = {};
    const map: Record<string, string> = { kind: 'kind', inspectedOn: 'inspected_on', organ: 'organ', result: 'result', notice: 'notice', noticeDue: 'notice_due', rectifiedOn: 'rectified_on' };
    for (const [k, c] of Object.entries(map)) if (patch[k as keyof InspectionInput] !== undefined) changes[c] = patch[k as keyof InspectionInput];
    if (Object.keys(changes).length) await this.knex('inspections').where({ id }).update(changes);
    return view(await this.knex('inspections').where({ id }).first());
  }
}
