import { Router, type Request } from 'express';
import { z } from 'zod';
import { OrganizationScope } from '../context.js';
import { AuditService } from '../audit/service.js';
import { extraItemView } from '../assessments/extra-items.js';
import { recordTemplates } from '../assessments/record-templates.js';
import { WRITABLE } from '../assessments/service.js';
import { loadAssessmentSnapshot, readResultRecords } from '../assessments/snapshot.js';
import { summaryOf } from '../assessments/summary.js';
import { inheritanceReason } from './assessment-items.js';
import { EVIDENCE_KINDS } from '../database/migrations/20261126C-evidence.js';
import { deps, serviceContext } from '../http/request.js';
import { renderPage, signedIn } from './render.js';
import { controlPoints, matchesFilter, objectParts, pageOf, type WsRow } from './workspace-view.js';

/** The assessment workspace: one control point (or the dense grid of a layer) per page. */
export const workspacePagesRouter = Router();

const pick = (req: Request, t: { zh: string; en: string }) => (req.lang === 'zh-CN' ? t.zh : t.en);
const labels = (req: Request) => req.t('ui', { returnObjects: true }) as unknown as Record<string, string>;
export const EXTRA_LAYER = 'ADD';

const pageQuery = z.object({
  layer: z.string().regex(/^[A-Z]{3}$/).optional().catch(undefined),
  cp: z.coerce.number().int().min(0).max(500).optional().catch(undefined),
  object: z.string().max(40).optional().catch(undefined),
  filter: z.enum(['', 'unassessed', 'nonconforming']).optional().catch(undefined),
  view: z.enum(['list', 'grid']).optional().catch(undefined),
  part: z.coerce.number().int().min(1).max(10_000).optional().catch(undefined),
});

workspacePagesRouter.get('/assessments/:id', signedIn, async (req, res) => {
  const ctx = serviceContext(req);
  const id = z.uuid().parse(req.params.id);
  const catalogue = deps(req).catalogue;
  // Loaded once: the assessment, its rows (small columns: the records of the rows shown are read
  // below), objects, extra items, findings and hazards; the tree, the page and the summary are computed from it.
  const snapshot = await loadAssessmentSnapshot(ctx, id, { results: 'workspace', system: true });
  const a = snapshot.assessment;
  const canEdit = WRITABLE.has(a.status) && new OrganizationScope(ctx.caller).can(a.organizationId, 'edit');
  const units = snapshot.units;
  const unitOf = new Map(units.map((u) => [u.code, u]));
  const all: WsRow[] = snapshot.results
    .filter((r) => unitOf.has(r.code))
    .map((r) => ({ id: r.id, code: r.code, objectKey: r.object_key, value: r.value, record: null, methods: null, inherited: r.inherited, rowVersion: Number(r.row_version), outsideMapping: r.outside_mapping }));
  const objects = snapshot.objects.map((o) => ({ id: o.id as string, name: o.name as string, category: o.category as string }));
  const objectName = new Map(objects.map((o) => [o.id, o.name]));
  const extras = snapshot.extraItems.map(extraItemView);
  const L = labels(req);
  const q = pageQuery.parse(req.query);
  const layers = [...new Set(units.map((u) => u.layer))] as string[];
  if (extras.length) layers.push(EXTRA_LAYER);
  const layer = q.layer && layers.includes(q.layer) ? q.layer : layers[0]!;
  const objectId = q.object && (q.object === 'system' || objectName.has(q.object)) ? q.object : '';
  const filter = q.filter ?? '';
  const view = q.view ?? 'list';
  const valueLabel = (v: string) => L[`value_${v}`] ?? v;
  const setMeta = catalogue.meta.sets as Record<string, { zh: string; en: string }>;
  const cpName = (u: (typeof units)[number]) =>
    u.set === 'general' ? pick(req, u.controlPoint) : `${pick(req, u.controlPoint)}${req.lang === 'zh-CN' ? `（${setMeta[u.set]!.zh}）` : ` (${setMeta[u.set]!.en})`}`;
  const rowsOf = new Map<string, WsRow[]>();
  for (const r of all) rowsOf.set(r.code, [...(rowsOf.get(r.code) ?? []), r]);
  const byName = (x: WsRow, y: WsRow) => String(objectName.get(x.objectKey) ?? '').localeCompare(String(objectName.get(y.objectKey) ?? ''));

  const layerRows = (code: string) => all.filter((r) => unitOf.get(r.code)!.layer === code);
  const cps = layer === EXTRA_LAYER ? [] : controlPoints(units, all, layer);
  const page = view === 'list' && layer !== EXTRA_LAYER ? pageOf(cps, all, { layer, objectId, filter, cp: q.cp }) : { cps: [] as typeof cps };
  const current = page.cps[0];
  const link = (over: Record<string, string | number | undefined>) => {
    const p = new URLSearchParams();
    const merged = { layer, object: objectId || undefined, filter: filter || undefined, view: view === 'grid' ? 'grid' : undefined, ...over };
    for (const [k, v] of Object.entries(merged)) if (v !== undefined && v !== '') p.set(k, String(v));
    return `/assessments/${id}?${p}`;
  };
  const tree = layers.map((code) => {
    if (code === EXTRA_LAYER) {
      return { code, name: req.t('ws.extra_items'), current: code === layer, total: extras.length, assessed: extras.filter((x) => x.value).length, href: link({ layer: code, cp: undefined, view: undefined }), controlPoints: [] };
    }
    const inLayer = layerRows(code);
    const meta = catalogue.meta.layers.find((l) => l.code === code)!;
    return {
      code,
      name: pick(req, meta),
      current: code === layer,
      total: inLayer.length,
      assessed: inLayer.filter((r) => r.value !== 'not_assessed').length,
      href: link({ layer: code, cp: undefined }),
      controlPoints:
        code === layer
          ? cps.map((cp) => ({ index: cp.index, name: cpName(cp.units[0]!), total: cp.total, assessed: cp.assessed, on: page.cps.includes(cp), done: cp.total > 0 && cp.assessed === cp.total, href: link({ cp: cp.index, view: undefined }) }))
          : [],
    };
  });

  // The rows this page shows, grouped by unit (the unit's text and steps once, then its objects).
  const shown = page.cps.flatMap((cp) => cp.units);
  const listed = (r: WsRow) => matchesFilter(r, filter) && (!objectId || r.objectKey === objectId);
  const matching = shown.flatMap((u) => (rowsOf.get(u.code) ?? []).filter(listed));
  // A control point of a big assessment (300 objects: 1,200 rows) is shown a group of objects at a time.
  const parts = objectParts(matching, shown.length, (k) => (k === 'system' ? '' : String(objectName.get(k) ?? '')), q.part);
  const inPart = (r: WsRow) => !parts || parts.keys.has(r.objectKey);
  const pageRows = matching.filter(inPart);
  const records = await readResultRecords(ctx.knex, id, pageRows.map((r) => r.id));
  for (const r of pageRows) Object.assign(r, records.get(r.id));
  const history = await AuditService.resultHistory(ctx.knex, a.organizationId, pageRows.map((r) => r.id));
  const evidence = await evidenceOnRows(ctx.knex, a.organizationId, pageRows.map((r) => r.id));
  const kindLabel = (k: string) => req.t(`enum.evidence_kind_${k}`, { defaultValue: k });
  const categoryOf = new Map(objects.map((o) => [o.id, o.category]));
  const unitGroups = shown
    .map((u) => {
      const rs = (rowsOf.get(u.code) ?? []).filter((r) => listed(r) && inPart(r)).sort(byName);
      // Copy a result to other objects of the same category (servers configured alike…), among the objects on this page.
      const objectRows = (rowsOf.get(u.code) ?? []).filter((r) => categoryOf.has(r.objectKey) && inPart(r)).sort(byName);
      const copyable = objectRows.some((r) => objectRows.some((o) => o !== r && categoryOf.get(o.objectKey) === categoryOf.get(r.objectKey)));
      return {
        code: u.code,
        text: pick(req, u.text),
        steps: u.test.steps.map((s) => pick(req, s)),
        evidence: req.lang === 'zh-CN' ? u.test.evidence.zh : u.test.evidence.en,
        highRisk: catalogue.highRiskCaseIds(u.code).join(', '),
        copy: canEdit && copyable ? { sources: objectRows.filter((r) => r.value !== 'not_assessed').map((r) => ({ key: r.objectKey, name: objectName.get(r.objectKey) })), targets: objectRows.map((r) => ({ key: r.objectKey, name: objectName.get(r.objectKey), category: categoryOf.get(r.objectKey), rowVersion: r.rowVersion })) } : null,
        rows: rs.map((r) => ({
          ...r,
          objectName: objectName.get(r.objectKey) ?? L.whole_system,
          valueLabel: valueLabel(r.value),
          history: (history.get(r.id) ?? []).map((e) => {
            const c = (e.changes ?? {}) as { value?: [string, string]; record?: unknown };
            return { actorName: e.actorName, at: e.at.slice(0, 16).replace('T', ' '), from: c.value ? valueLabel(c.value[0]) : '', to: c.value ? valueLabel(c.value[1]) : '', recordChanged: !!c.record };
          }),
          evidence: (evidence.get(r.id) ?? []).map((ev) => ({ ...ev, kindLabel: kindLabel(ev.kind) })),
        })),
      };
    })
    .filter((g) => g.rows.length);

  // The dense grid: units × objects of the layer, one select per existing row.
  let grid: unknown;
  if (view === 'grid' && layer !== EXTRA_LAYER) {
    const gridUnits = units.filter((u) => u.layer === layer);
    const keys = new Set(gridUnits.flatMap((u) => (rowsOf.get(u.code) ?? []).map((r) => r.objectKey)));
    const columns = [...(keys.has('system') ? [{ key: 'system', name: L.whole_system }] : []), ...objects.filter((o) => keys.has(o.id)).map((o) => ({ key: o.id, name: o.name }))];
    grid = {
      columns,
      rows: gridUnits.map((u) => {
        const byKey = new Map((rowsOf.get(u.code) ?? []).map((r) => [r.objectKey, r]));
        return { code: u.code, text: pick(req, u.text), cells: columns.map((c) => { const r = byKey.get(c.key); return r ? { ...r, valueLabel: valueLabel(r.value) } : null; }) };
      }),
    };
  }

  const summary = summaryOf(snapshot);
  const system = snapshot.system!;
  renderPage(req, res, 'workspace', {
    title: req.t('ui.workspace'),
    nav: 'systems',
    assessment: a,
    systemName: system.name,
    canEdit,
    tree,
    unitGroups,
    grid,
    isGrid: view === 'grid',
    extraItems: layer === EXTRA_LAYER ? extras.map((x) => ({ ...x, valueLabel: x.value ? valueLabel(x.value) : valueLabel('not_assessed') })) : null,
    // One control point: its name and live progress; several (a filtered page): their names.
    currentCp: current
      ? page.cps.length === 1
        ? { index: current.index, name: cpName(current.units[0]!), total: current.total, assessed: current.assessed, single: true }
        : { index: current.index, name: page.cps.map((cp) => cpName(cp.units[0]!)).join(' · ') }
      : null,
    prevHref: page.prev !== undefined ? link({ cp: page.prev }) : null,
    nextHref: page.next !== undefined ? link({ cp: page.next }) : null,
    part: parts
      ? {
          label: req.t('ws.objects_part', { from: parts.from, to: parts.to, total: parts.total }),
          prevHref: parts.part > 1 ? link({ cp: current?.index, part: parts.part - 1 }) : null,
          nextHref: parts.part < parts.count ? link({ cp: current?.index, part: parts.part + 1 }) : null,
        }
      : null,
    listHref: link({ view: undefined, cp: current?.index }),
    gridHref: link({ view: 'grid', cp: undefined }),
    layer,
    objectId,
    filter,
    objects,
    summary,
    conclusionLabel: pick(req, summary.conclusion.label),
    // The inheritance state and its reason in words (they are stored as a value and an English sentence).
    inheritance: summary.inheritance
      ? { stateLabel: req.t(`assessment_items.inherit_state_${summary.inheritance.state}`), units: summary.inheritance.inheritedUnits, reason: inheritanceReason(req, summary.inheritance.reason) }
      : null,
    conclusionRule: pick(req, summary.conclusion.rule),
    H: req.t('hazard', { returnObjects: true }),
    hazardCount: pick(req, summary.hazards.display),
    hazardList: summary.hazards.list.map((h) => ({ ...h, title: pick(req, h.title), statusLabel: req.t(`hazard.status_${h.status}`) })),
    values: ['conform', 'partial', 'nonconform', 'na'].map((key) => ({ key, label: valueLabel(key) })),
    templates: recordTemplates().map((t) => ({ method: t.method, label: req.t(`ws.method_${t.method}`) })),
    // For the script: the template texts, filled in the row with its object's name.
    templatesJson: JSON.stringify(Object.fromEntries(recordTemplates().map((t) => [t.method, pick(req, t)]))).replace(/</g, '\\u003c'),
    W: req.t('ws', { returnObjects: true }),
    kinds: EVIDENCE_KINDS.map((k) => ({ key: k, label: kindLabel(k) })),
    error: typeof req.query.error === 'string' ? req.query.error.slice(0, 500) : undefined,
    base: `/assessments/${id}`,
    // Where each form comes back to: this page (the server adds the path and the row's anchor).
    back: link({ cp: current?.index, part: parts?.part }).slice(`/assessments/${id}`.length),
    backQuery: encodeURIComponent(link({ cp: current?.index, part: parts?.part }).slice(`/assessments/${id}`.length)),
    L,
  });
});

/** Evidence linked to each result on the page: name, kind and hash prefix, shown on the row. */
async function evidenceOnRows(knex: import('knex').Knex, organizationId: string, resultIds: string[]) {
  const out = new Map<string, Array<{ id: string; title: string; kind: string; hash: string }>>();
  for (let i = 0; i < resultIds.length; i += 500) {
    const rows = await knex('evidence_links')
      .join('evidence', 'evidence.id', 'evidence_links.evidence_id')
      .join('evidence_versions', (j) => j.on('evidence_versions.evidence_id', 'evidence.id').andOn('evidence_versions.version', 'evidence.current_version'))
      .where({ 'evidence_links.organization_id': organizationId, 'evidence_links.target_type': 'assessment_result' })
      .whereNull('evidence.deleted_at')
      .whereIn('evidence_links.target_id', resultIds.slice(i, i + 500))
      .orderBy('evidence_links.created_at')
      .select('evidence_links.target_id', 'evidence.id', 'evidence.title', 'evidence.kind', 'evidence_versions.hash');
    for (const r of rows) out.set(r.target_id, [...(out.get(r.target_id) ?? []), { id: r.id, title: r.title, kind: r.kind, hash: String(r.hash).slice(0, 12) }]);
  }
  return out;
}
