import type { DataCategory } from '../../../server/systems/data-survey.js';
import { blankCell, txt, type Block, type Cell } from '../blocks.js';
import { documentLabels, type LifecycleData } from './data.js';

type Labels = ReturnType<typeof documentLabels>;
/** The drafted plan holds the importance codes; an edited plan may hold the officer's own word, printed as written. */
const importance = (L: Labels, v: string) => (['key', 'important', 'general'].includes(v) ? L(`importance_${v}`) : v);
const levelText = (zh: boolean, level: number) => (zh ? `第${level}级` : `Level ${level}`);

/**
 * 网络安全保护工作方案 (yearly protection work plan, level 3+): the plan as recorded in dengbao —
 * assets, existing measures, the major risk hazards with their causes, the approach and the plan
 * items. Nothing is drafted here: a plan not yet recorded, or a part it leaves empty, is a marked
 * blank; the approval signature is the operator's.
 */
export function protectionPlanBlocks(d: LifecycleData): Block[] {
  const L = documentLabels(d.lang);
  const zh = d.lang === 'zh-CN';
  const { year, content: plan, adoptedOn } = d.protectionPlan;
  const g = d.grading;
  const blank = (key: string): Block => ({ kind: 'blank', text: L(key) });
  const out: Block[] = [
    { kind: 'title', text: L('title_protection_plan'), subtitle: [L('plan_year', { year }), d.system.name, d.organization.name] },
    { kind: 'heading', level: 1, text: L('p1') },
    {
      kind: 'fields',
      rows: [
        [L('system_name'), d.system.name],
        [L('operator'), d.organization.name],
        [L('g_level'), g ? `${levelText(zh, g.level)}（${g.notation}）` : blankCell(L('not_graded'))],
        [L('plan_year_label'), String(year)],
        [L('adopted_on'), adoptedOn ?? blankCell(L('not_adopted'))],
      ],
    },
  ];
  if (!plan) {
    // No plan recorded for the year: every part is the operator's to write (or to draft in dengbao first).
    for (const h of ['p2', 'p3', 'p4', 'p5', 'p6']) out.push({ kind: 'heading', level: 1, text: L(h) }, blank('no_plan'));
  } else {
    out.push(
      { kind: 'heading', level: 1, text: L('p2') },
      plan.assets.length
        ? {
            kind: 'table',
            header: [L('no'), L('asset_name'), L('asset_category'), L('importance')],
            widths: [8, 44, 30, 18],
            rows: plan.assets.map((a, i) => [String(i + 1), a.name, d.categoryLabel(a.category), a.importance ? importance(L, a.importance) : blankCell(L('blank_operator'))]),
          }
        : blank('no_assets'),
      { kind: 'heading', level: 1, text: L('p3') },
      ...(plan.measures.length ? plan.measures.map((m, i): Block => ({ kind: 'paragraph', text: `${i + 1}. ${m}` })) : [blank('no_measures')]),
      { kind: 'heading', level: 1, text: L('p4') },
      plan.hazards.length
        ? { kind: 'table', header: [L('hazard_number'), L('trigger'), L('hazard_title'), L('cause')], widths: [10, 10, 30, 50], rows: plan.hazards.map((h) => [h.number, h.trigger, h.title, h.cause]) }
        : { kind: 'paragraph', text: L('no_hazards') },
      { kind: 'heading', level: 1, text: L('p5') },
      plan.approach ? { kind: 'paragraph', text: plan.approach } : blank('no_approach'),
      { kind: 'heading', level: 1, text: L('p6') },
      plan.plan.length
        ? {
            kind: 'table',
            header: [L('no'), L('plan_item'), L('owner'), L('due')],
            widths: [8, 60, 16, 16],
            rows: plan.plan.map((p, i) => [String(i + 1), p.item, p.owner ?? blankCell(L('blank_operator')), p.due ?? blankCell(L('blank_operator'))]),
          }
        : blank('no_plan_items'),
    );
  }
  out.push(
    { kind: 'heading', level: 1, text: L('p7') },
    { kind: 'fields', rows: [[L('responsible_person'), ''], [L('adopted_on'), adoptedOn ?? ''], [L('signature'), '']] },
    { kind: 'paragraph', muted: true, text: L('generated_by') },
  );
  return out;
}

/** One survey sheet as field / value rows; an optional field left empty is a marked blank, a field that does not apply says so. */
function surveySheet(L: Labels, zh: boolean, c: DataCategory): Array<[string, Cell]> {
  const yesNo = (b: boolean | undefined) => (b ? L('yes') : L('no_word'));
  const na = L('not_applicable');
  const or = (v: unknown): Cell => (v === undefined || v === null || v === '' ? blankCell(L('blank_operator')) : String(v));
  const rows: Array<[string, string, Cell]> = [
    ['数据类别名称', 'Data category', c.category],
    ['数据描述', 'Description', c.description],
    ['数据级别', 'Level (core / important / general)', L(`level_${c.level}`)],
    ['涉及业务', 'Business', or(c.businessScope)],
    ['数据来源', 'Source', or(c.source)],
    ['数据量（条）', 'Records', or(c.recordCount)],
    ['数据规模（GB）', 'Size (GB)', or(c.sizeGb)],
    ['存储位置', 'Storage locations', c.storageLocations.join(zh ? '；' : '; ')],
    ['是否包含个人信息', 'Personal information', yesNo(c.personalInformation)],
    ['是否包含敏感个人信息', 'Sensitive personal information', yesNo(c.sensitivePersonalInformation)],
    ['涉及个人信息主体数量', 'Persons concerned', c.personalInformation ? or(c.personCount) : na],
    ['处理活动', 'Processing', c.processing?.length ? c.processing.map((p) => L(`processing_${p}`)).join(zh ? '、' : ', ') : blankCell(L('blank_operator'))],
    ['对外提供或共享对象', 'Provided or shared with', or(c.sharedWith)],
    ['是否出境', 'Crosses the border', yesNo(c.crossBorder)],
    ['出境目的地及接收方', 'Destination and recipient abroad', c.crossBorder ? or(c.crossBorderDestination) : na],
    ['已采取的安全保护措施', 'Security measures', or(c.securityMeasures)],
    ['责任部门', 'Responsible department', or(c.responsibleDepartment)],
  ];
  return rows.map(([z, e, v]) => [zh ? z : e, v]);
}

/**
 * The 数据摸底调查表 sheets (one per data category) under a heading of `level`: the summary of the
 * categories, then each sheet. Used by the data survey document and as the filing form's attachment.
 */
export function surveySheetBlocks(d: LifecycleData, level: 1 | 2): Block[] {
  const L = documentLabels(d.lang);
  const zh = d.lang === 'zh-CN';
  const survey = d.dataSurvey;
  if (!survey) return [{ kind: 'blank', text: L('no_survey') }];
  return [
    { kind: 'heading', level, text: L('survey_summary') },
    {
      kind: 'table',
      header: [L('no'), L('category'), L('level'), L('personal_information'), L('cross_border')],
      widths: [8, 40, 20, 16, 16],
      rows: survey.categories.map((c, i) => [String(i + 1), c.category, L(`level_${c.level}`), c.personalInformation ? L('yes') : L('no_word'), c.crossBorder ? L('yes') : L('no_word')]),
    },
    ...survey.categories.flatMap((c, i): Block[] => [
      { kind: 'heading', level, text: L('survey_sheet', { n: i + 1, category: c.category }) },
      { kind: 'fields', rows: surveySheet(L, zh, c) },
    ]),
  ];
}

/** 数据摸底调查表 (公网安〔2025〕1846号 Q14–Q16) of the system's filing, as the operator filled it in dengbao. */
export function dataSurveyBlocks(d: LifecycleData): Block[] {
  const L = documentLabels(d.lang);
  const zh = d.lang === 'zh-CN';
  const g = d.grading;
  return [
    { kind: 'title', text: L('title_data_survey'), subtitle: [d.system.name, d.organization.name] },
    {
      kind: 'fields',
      rows: [
        [L('system_name'), d.system.name],
        [L('operator'), d.organization.name],
        [L('g_level'), g ? `${levelText(zh, g.level)}（${g.notation}）` : blankCell(L('not_graded'))],
        [L('survey_rule'), `${txt(zh ? d.surveyRule.zh : d.surveyRule.en)}（${d.surveyRule.source}）`],
        [L('survey_sheets'), String(d.dataSurvey?.categories.length ?? 0)],
      ],
    },
    ...surveySheetBlocks(d, 1),
    { kind: 'paragraph', muted: true, text: L('generated_by') },
  ];
}
