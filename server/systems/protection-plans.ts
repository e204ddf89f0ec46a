import { z } from 'zod';
import { ScopedService } from '../context.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { newId, now } from '../util.js';
import { filingRules } from './filing-rules.js';
import { latestGradings, SystemsService } from './service.js';

/**
 * The yearly 网络安全保护工作方案 of a level-3+ system (公网安〔2025〕1846号; 2025 report template):
 * its assets, the existing measures, the major risk hazards with their causes, the remediation
 * approach and the plan. A draft is assembled from the system's assessed objects, its latest
 * assessment's findings (mitigations, recommendations, remediation owners and dates) and hazards;
 * the officer edits it and records the adoption date (the next plan is due a year later).
 */
const text = (max: number) => z.string().trim().min(1).max(max);
export const planContentSchema = z.strictObject({
  assets: z.array(z.strictObject({ name: text(200), category: text(50), importance: text(20).optional() })).max(2000),
  measures: z.array(text(2000)).max(500),
  hazards: z.array(z.strictObject({ number: text(8), trigger: text(8), title: text(300), cause: text(4000) })).max(200),
  approach: z.string().trim().max(10000),
  plan: z.array(z.strictObject({ item: text(1000), owner: text(100).optional(), due: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional() })).max(500),
});
export type PlanContent = z.infer<typeof planContentSchema>;
export interface PlanInput { year: number; content?: PlanContent; adoptedOn?: string | null }

const view = (r: Record<string, any>) => ({ id: r.id, systemId: r.system_id, year: Number(r.year), content: JSON.parse(r.content) as PlanContent, adoptedOn: r.adopted_on ?? null, createdAt: r.created_at, updatedAt: r.updated_at });

export class ProtectionPlansService extends ScopedService {
  private systems = new SystemsService({ knex: this.knex, caller: this.caller });

  private async requireLevel(systemId: string): Promise<void> {
    const level = Number((await latestGradings(this.knex, [systemId])).get(systemId)?.level ?? 0);
    if (level < filingRules().protectionPlan.minLevel) throw new ConflictError({ reason: 'protection_plan_below_level_three' });
  }

  async list(systemId: string) {
    await this.systems.load(systemId);
    return (await this.knex('protection_plans').where({ system_id: systemId }).orderBy('year', 'desc')).map(view);
  }

  /** The draft: assets, measures, hazards with causes, approach and plan from what dengbao already holds. */
  async draft(systemId: string): Promise<PlanContent> {
    await this.systems.load(systemId);
    const objects = await this.knex('assessed_objects').where({ system_id: systemId }).orderBy('name');
    const latest = await this.knex('assessments').where({ system_id: systemId }).orderBy('created_at', 'desc').first();
    const findings = latest
      ? await this.knex('findings').leftJoin('remediations', 'remediations.finding_id', 'findings.id').where('findings.assessment_id', latest.id).orderBy('findings.seq').select('findings.*', 'remediations.owner', 'remediations.due_date', 'remediations.status as remediation_status')
      : [];
    const hazards = latest ? await this.knex('hazards').where({ assessment_id: latest.id }).whereNull('deleted_at').whereNot({ status: 'remediated' }).orderBy('seq') : [];
    const links = hazards.length ? await this.knex('hazard_findings').whereIn('hazard_id', hazards.map((h: { id: string }) => h.id)) : [];
    const open = findings.filter((f: Record<string, any>) => !['verified', 'risk_accepted'].includes(f.remediation_status));
    return {
      assets: objects.map((o: Record<string, any>) => ({ name: String(o.name), category: String(o.category), importance: String(o.importance) })),
      measures: [...new Set(findings.map((f: Record<string, any>) => f.mitigation as string | null).filter((m: string | null): m is string => !!m?.trim()))],
      hazards: hazards.map((h: Record<string, any>) => {
        const on = links.filter((l: { hazard_id: string }) => l.hazard_id === h.id).map((l: { finding_id: string }) => findings.find((f: { id: string }) => f.id === l.finding_id)).filter(Boolean);
        const cause = [h.description, ...on.map((f: Record<string, string>) => `${f.number} ${f.title}${f.threat ? `：${f.threat}` : ''}`)].filter(Boolean).join('；');
        return { number: h.number, trigger: h.trigger_code, title: h.description?.slice(0, 300) || h.trigger_code, cause: cause || h.trigger_code };
      }),
      approach: hazards.length ? '优先消除重大风险隐患，再按风险等级（高、中、低）整改其余问题，整改后复测验证。' : '按风险等级（高、中、低）整改测评发现的问题，整改后复测验证。',
      plan: open.map((f: Record<string, any>) => ({ item: `${f.number} ${f.title}${f.recommendation ? `：${f.recommendation}` : ''}`.slice(0, 1000), ...(f.owner ? { owner: String(f.owner).slice(0, 100) } : {}), ...(f.due_date ? { due: f.due_date } : {}) })),
    };
  }

  /** Creates the year's plan (content drafted when not given); one plan per system and year. */
  async create(systemId: string, input: PlanInput) {
    const system = await this.systems.load(systemId, 'manage');
    await this.requireLevel(systemId);
    if (await this.knex('protection_plans').where({ system_id: systemId, year: input.year }).first()) throw new ConflictError({ reason: 'protection_plan_exists' });
    const id = newId();
    const content = input.content ?? (await this.draft(systemId));
    await this.knex('protection_plans').insert({ id, system_id: systemId, organization_id: system.organization_id, year: input.year, content: JSON.stringify(content), adopted_on: input.adoptedOn ?? null, created_by: this.caller.userId, created_at: now(), updated_at: now() });
    return view(await this.knex('protection_plans').where({ id }).first());
  }

  async update(systemId: string, planId: string, patch: { content?: PlanContent; adoptedOn?: string | null }) {
    await this.systems.load(systemId, 'manage');
    const row = await this.knex('protection_plans').where({ id: planId, system_id: systemId }).first();
    if (!row) throw new NotFoundError({ resource: 'protection_plan', id: planId });
    await this.knex('protection_plans').where({ id: planId }).update({ ...(patch.content ? { content: JSON.stringify(patch.content) } : {}), ...(patch.adoptedOn !== undefined ? { adopted_on: patch.adoptedOn } : {}), updated_at: now() });
    return view(await this.knex('protection_plans').where({ id: planId }).first());
  }
}
