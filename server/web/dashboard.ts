import type { Request } from 'express';
import { barChartSvg, riskChartSvg } from '../../reports/render.js';
import { summaryDigests } from '../assessments/summary-cache.js';
import { OrganizationScope, type ServiceContext } from '../context.js';
import { KeptByOrganizations } from '../database/kept.js';
import { listDeadlines } from '../deadlines/index.js';
import { deadlineRows } from './dashboard-deadlines.js';
import { LIFECYCLE_STATES, STATE_NAMES } from '../systems/lifecycle.js';

/** Systems listed on the dashboard; the rest are on the systems page (which paginates). */
export const DASHBOARD_SYSTEMS = 100;
const DASHBOARD_DEADLINES = 30;
const keptCounts = new KeptByOrganizations<{ byStage: Array<readonly [string, number]>; byLevel: Array<readonly [number, number]>; byRisk: Array<readonly [string, number]> }>(32);

const pick = (req: Request, t: { zh: string; en: string }) => (req.lang === 'zh-CN' ? t.zh : t.en);
const stageName = (req: Request, s: string) => pick(req, STATE_NAMES[s as keyof typeof STATE_NAMES] ?? { zh: s, en: s });

/**
 * The dashboard's view in a fixed number of statements whatever the portfolio's size: counts by
 * stage, level and risk aggregated in SQL (and kept until the portfolio changes), the first page of
 * systems with their latest assessment, and each assessment's rate and conclusion read from the
 * summaries kept per assessment.
 */
export async function dashboardView(req: Request, ctx: ServiceContext, org: string | undefined) {
  const scope = new OrganizationScope(ctx.caller);
  const knex = ctx.knex;
  const systems = () => scope.query(knex, 'systems').whereNull('systems.archived_at').modify((q) => (org ? q.where('systems.organization_id', org) : q));
  const latestGrading = 'g.version = (select max(g2.version) from gradings g2 where g2.system_id = g.system_id)';

  // The counts read the whole portfolio: kept per process until one of its organisations changes (server/database/kept.ts).
  const orgs = org ? [org] : scope.organizationIds('read');
  const counts = await keptCounts.get(knex, orgs, 'dashboard', async () => ({
    byStage: (await systems().groupBy('status').select('status').count({ n: '*' })).map((r: Record<string, any>) => [r.status as string, Number(r.n)] as const),
    byLevel: (await systems().join('gradings as g', 'g.system_id', 'systems.id').whereRaw(latestGrading).groupBy('g.level').select('g.level').count({ n: '*' })).map(
      (r: Record<string, any>) => [Number(r.level), Number(r.n)] as const,
    ),
    byRisk: (
      await scope
        .query(knex, 'findings')
        .modify((q) => (org ? q.where('findings.organization_id', org) : q))
        .leftJoin('remediations', 'remediations.finding_id', 'findings.id')
        .where((w) => w.whereNull('remediations.status').orWhereNotIn('remediations.status', ['verified', 'risk_accepted']))
        .groupByRaw('coalesce(findings.risk_after_mitigation, findings.risk)')
        .select(knex.raw('coalesce(findings.risk_after_mitigation, findings.risk) as risk'))
        .count({ n: '*' })
    ).map((r: Record<string, any>) => [r.risk as string, Number(r.n)] as const),
  }));
  const byStage = new Map<string, number>(counts.byStage);
  const byLevel = new Map<number, number>(counts.byLevel);
  const total = [...byStage.values()].reduce((a, b) => a + b, 0);
  const page: Array<Record<string, any>> = await systems().orderBy('systems.name').orderBy('systems.id').limit(DASHBOARD_SYSTEMS).select('systems.id', 'systems.name', 'systems.status');
  const ids = page.map((s) => s.id as string);
  const notations = new Map<string, string>(
    ids.length ? (await knex('gradings as g').whereIn('g.system_id', ids).whereRaw(latestGrading).select('g.system_id', 'g.notation')).map((r: Record<string, any>) => [r.system_id, r.notation]) : [],
  );
  const latest = new Map<string, Record<string, any>>();
  if (ids.length) {
    for (const a of await scope.query(knex, 'assessments').whereIn('system_id', ids).orderBy('created_at', 'desc').orderBy('id').select('id', 'system_id', 'kind', 'status', 'revision', 'scheme')) {
      if (!latest.has(a.system_id)) latest.set(a.system_id, a);
    }
  }
  const digests = await summaryDigests(ctx, [...latest.values()].map((a) => ({ id: a.id, revision: Number(a.revision), scheme: a.scheme })));
  const open = (paren: boolean) => (req.lang === 'zh-CN' ? (paren ? '（' : '）') : paren ? ' (' : ')');
  const rows = page.map((s) => {
    const a = latest.get(s.id);
    const d = a ? digests.get(a.id) : undefined;
    return {
      id: s.id,
      // The latest assessment's report archive and evidence pack, one click away (auditors read these).
      latestAssessmentId: a?.id ?? null,
      name: s.name,
      grading: notations.get(s.id) ?? '—',
      stage: stageName(req, s.status),
      assessmentKind: a ? `${req.t(`enum.assessment_kind_${a.kind}`)}${open(true)}${req.t(`enum.assessment_status_${a.status}`)}${open(false)}` : '—',
      rate: d?.rate ?? null,
      conclusion: d ? pick(req, d.label) : '—',
    };
  });

  const byRisk = { high: 0, medium: 0, low: 0 };
  for (const [risk, n] of counts.byRisk) byRisk[risk as keyof typeof byRisk] += n;

  const deadlines = (await listDeadlines(knex, scope, 60)).filter((d) => !org || d.organizationId === org).slice(0, DASHBOARD_DEADLINES);
  const stageCounts = LIFECYCLE_STATES.map((st) => ({ label: stageName(req, st), n: byStage.get(st) ?? 0 }));
  const max = Math.max(1, ...stageCounts.map((x) => x.n));
  return {
    title: req.t('ui.dashboard'),
    nav: 'dashboard',
    systems: rows,
    systemsShown: rows.length,
    systemsTotal: total,
    systemsMore: total > rows.length,
    deadlines: await deadlineRows(req, knex, deadlines),
    stageChart: barChartSvg(stageCounts.map((x) => ({ label: `${x.label} (${x.n})`, rate: x.n / max })), 460).replace(/>\d+\.\d+%</g, '><'),
    levelChart: barChartSvg(
      [1, 2, 3, 4, 5].map((l) => ({ label: `${req.t('ui.level')} ${l} (${byLevel.get(l) ?? 0})`, rate: (byLevel.get(l) ?? 0) / Math.max(1, total) })),
      460,
    ).replace(/>\d+\.\d+%</g, '><'),
    riskChart: riskChartSvg(byRisk, { high: req.t('report.high'), medium: req.t('report.medium'), low: req.t('report.low') }),
  };
}
