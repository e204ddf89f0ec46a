import type ExcelJS from 'exceljs';
import { lazy } from '../lazy.js';
import { z } from 'zod';
import { ScopedService } from '../context.js';
import { transaction } from '../database/transaction.js';
import { ConflictError } from '../errors.js';
import { newId, now } from '../util.js';
import { filingRules } from './filing-rules.js';
import { latestGradings, SystemsService } from './service.js';

const excel = lazy<typeof ExcelJS>('exceljs');

/**
 * 数据摸底调查表 (公网安〔2025〕1846号 Q14-Q16): one sheet per data category (金融账户, 个人交易信息 —
 * categories, not data items), filled by the operator from its data classification. The fields are
 * dengbao's reading of what a filing officer asks for, aligned with GB/T 43697-2024 (数据分类分级规则:
 * 核心/重要/一般) and the Personal Information Protection Law (个人信息, 敏感个人信息, 出境).
 */
const text = (max: number) => z.string().trim().min(1).max(max);
export const DATA_LEVELS = ['core', 'important', 'general'] as const;
export const PROCESSING = ['collect', 'store', 'use', 'process', 'transmit', 'provide', 'disclose', 'delete'] as const;

export const dataCategorySchema = z
  .strictObject({
    category: text(100), // 数据类别名称
    description: text(2000), // 数据描述（内容、用途）
    level: z.enum(DATA_LEVELS), // 数据级别（核心/重要/一般）
    businessScope: text(500).optional(), // 涉及业务
    source: text(500).optional(), // 数据来源
    recordCount: z.number().int().min(0).max(1e15).optional(), // 数据量（条）
    sizeGb: z.number().min(0).max(1e9).optional(), // 数据规模（GB）
    storageLocations: z.array(text(200)).min(1).max(20), // 存储位置（机房、云平台及地域）
    personalInformation: z.boolean(), // 是否包含个人信息
    sensitivePersonalInformation: z.boolean().default(false), // 是否包含敏感个人信息
    personCount: z.number().int().min(0).max(1e11).optional(), // 涉及个人信息主体数量
    processing: z.array(z.enum(PROCESSING)).max(PROCESSING.length).optional(), // 处理活动
    sharedWith: text(1000).optional(), // 对外提供或共享的对象
    crossBorder: z.boolean(), // 是否出境
    crossBorderDestination: text(500).optional(), // 出境目的地及接收方
    securityMeasures: text(2000).optional(), // 已采取的安全保护措施
    responsibleDepartment: text(200).optional(), // 责任部门
  })
  .superRefine((c, ctx) => {
    if (c.crossBorder && !c.crossBorderDestination) ctx.addIssue({ code: 'custom', path: ['crossBorderDestination'], message: 'required when the data crosses the border', params: { rule: 'cross_border_destination_required' } });
    if (!c.crossBorder && c.crossBorderDestination) ctx.addIssue({ code: 'custom', path: ['crossBorderDestination'], message: 'only data that crosses the border has a destination', params: { rule: 'cross_border_destination_not_allowed' } });
    if (c.sensitivePersonalInformation && !c.personalInformation) ctx.addIssue({ code: 'custom', path: ['sensitivePersonalInformation'], message: 'sensitive personal information is personal information: set personalInformation', params: { rule: 'sensitive_needs_personal' } });
  });
export const dataSurveySchema = z
  .strictObject({ categories: z.array(dataCategorySchema).min(1).max(100) })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.categories.forEach((c, i) => {
      if (seen.has(c.category)) ctx.addIssue({ code: 'custom', path: ['categories', i, 'category'], message: `category "${c.category}" appears twice: one sheet per category`, params: { rule: 'survey_category_twice', category: c.category } });
      seen.add(c.category);
    });
  });
export type DataSurvey = z.infer<typeof dataSurveySchema>;
export type DataCategory = DataSurvey['categories'][number];

/** The survey sheet's rows: field label (zh / en) and the value as a filing officer reads it. */
const LEVEL_ZH: Record<string, string> = { core: '核心数据', important: '重要数据', general: '一般数据' };
const PROCESSING_ZH: Record<string, string> = { collect: '收集', store: '存储', use: '使用', process: '加工', transmit: '传输', provide: '提供', disclose: '公开', delete: '删除' };
const yes = (b: boolean | undefined) => (b ? '是' : '否');
export const SURVEY_FIELDS: Array<{ key: keyof DataCategory; zh: string; en: string; show: (c: DataCategory) => string | number }> = [
  { key: 'category', zh: '数据类别名称', en: 'Data category', show: (c) => c.category },
  { key: 'description', zh: '数据描述', en: 'Description', show: (c) => c.description },
  { key: 'level', zh: '数据级别', en: 'Level (core / important / general)', show: (c) => LEVEL_ZH[c.level]! },
  { key: 'businessScope', zh: '涉及业务', en: 'Business', show: (c) => c.businessScope ?? '' },
  { key: 'source', zh: '数据来源', en: 'Source', show: (c) => c.source ?? '' },
  { key: 'recordCount', zh: '数据量（条）', en: 'Records', show: (c) => c.recordCount ?? '' },
  { key: 'sizeGb', zh: '数据规模（GB）', en: 'Size (GB)', show: (c) => c.sizeGb ?? '' },
  { key: 'storageLocations', zh: '存储位置', en: 'Storage locations', show: (c) => c.storageLocations.join('；') },
  { key: 'personalInformation', zh: '是否包含个人信息', en: 'Personal information', show: (c) => yes(c.personalInformation) },
  { key: 'sensitivePersonalInformation', zh: '是否包含敏感个人信息', en: 'Sensitive personal information', show: (c) => yes(c.sensitivePersonalInformation) },
  { key: 'personCount', zh: '涉及个人信息主体数量', en: 'Persons concerned', show: (c) => c.personCount ?? '' },
  { key: 'processing', zh: '处理活动', en: 'Processing', show: (c) => (c.processing ?? []).map((p) => PROCESSING_ZH[p]).join('、') },
  { key: 'sharedWith', zh: '对外提供或共享对象', en: 'Provided or shared with', show: (c) => c.sharedWith ?? '' },
  { key: 'crossBorder', zh: '是否出境', en: 'Crosses the border', show: (c) => yes(c.crossBorder) },
  { key: 'crossBorderDestination', zh: '出境目的地及接收方', en: 'Destination and recipient abroad', show: (c) => c.crossBorderDestination ?? '' },
  { key: 'securityMeasures', zh: '已采取的安全保护措施', en: 'Security measures', show: (c) => c.securityMeasures ?? '' },
  { key: 'responsibleDepartment', zh: '责任部门', en: 'Responsible department', show: (c) => c.responsibleDepartment ?? '' },
];

/** Excel sheet names: at most 31 characters, none of : \ / ? * [ ] and unique. */
export function sheetName(category: string, taken: Set<string>): string {
  const base = category.replace(/[:\\/?*[\]]/g, '_').slice(0, 28) || 'sheet';
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}~${i}`;
  taken.add(name);
  return name;
}

/** The survey as an xlsx workbook: one sheet per data category, field / value rows. */
export async function dataSurveyXlsx(systemName: string, survey: DataSurvey): Promise<Buffer> {
  const wb = new (excel().Workbook)();
  wb.creator = 'dengbao';
  const taken = new Set<string>();
  for (const c of survey.categories) {
    const ws = wb.addWorksheet(sheetName(c.category, taken));
    ws.columns = [{ width: 28 }, { width: 60 }];
    ws.addRow(['数据摸底调查表', systemName]).font = { bold: true };
    for (const f of SURVEY_FIELDS) ws.addRow([f.zh, f.show(c)]);
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** The data survey of a system's filing (level 2 and above). */
export class DataSurveyService extends ScopedService {
  private systems = new SystemsService({ knex: this.knex, caller: this.caller });

  async get(systemId: string): Promise<{ systemId: string; systemName: string; survey: DataSurvey | null; rule: { zh: string; en: string; source: string } }> {
    const system = await this.systems.load(systemId);
    const row = await this.knex('filings').where({ system_id: systemId }).first();
    const { zh, en, source } = filingRules().dataSurvey;
    return { systemId, systemName: system.name, survey: row?.data_survey ? JSON.parse(row.data_survey) : null, rule: { zh, en, source } };
  }

  /** Stores the survey on the filing (creating a draft filing when there is none); level 1 has none. */
  async put(systemId: string, survey: DataSurvey) {
    const system = await this.systems.load(systemId, 'manage');
    const level = (await latestGradings(this.knex, [systemId])).get(systemId)?.level;
    if (level !== undefined && Number(level) < filingRules().dataSurvey.minLevel) throw new ConflictError({ reason: 'level_one_not_filed' });
    await transaction(this.knex, async (trx) => {
      const row = await trx('filings').where({ system_id: systemId }).first();
      if (row) await trx('filings').where({ id: row.id }).update({ data_survey: JSON.stringify(survey), updated_at: now(), updated_by: this.caller.userId });
      else
        await trx('filings').insert({ id: newId(), system_id: systemId, organization_id: system.organization_id, form: JSON.stringify({ systemName: system.name }), status: 'draft', missing_attachments: '[]', data_survey: JSON.stringify(survey), updated_at: now(), updated_by: this.caller.userId });
    });
    return this.get(systemId);
  }
}
