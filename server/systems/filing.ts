import type { Knex } from 'knex';
import { ScopedService } from '../context.js';
import { transaction } from '../database/transaction.js';
import { ConflictError, ValidationError, type ErrorDetail } from '../errors.js';
import { registerLinkTarget } from '../evidence/link-targets.js';
import { now } from '../util.js';
import { newId } from '../util.js';
import { certificateExpiry, completedTestDates, filingRules, isFiledLevel, needsRefile2025 } from './filing-rules.js';
import { gradingView } from './gradings.js';
import { SystemsService, type SystemRow } from './service.js';

/**
 * The attachments a level-3-or-above filing needs (《信息安全等级保护管理办法》 Art. 16), each
 * ticked by linking an evidence file to the slot `<system id>:<slot>` or marked missing.
 */
export const FILING_ATTACHMENTS = [
  { slot: 'network_topology', zh: '系统拓扑结构及说明', en: 'Network topology and description' },
  { slot: 'security_organisation', zh: '系统安全组织机构和管理制度', en: 'Security organisation and management policies' },
  { slot: 'security_design', zh: '系统安全保护设施设计实施方案或者改建实施方案', en: 'Security design or rebuilding implementation plan' },
  { slot: 'security_products', zh: '系统使用的信息安全产品清单及其认证、销售许可证明', en: 'List of security products used, with certification and sales licences' },
  { slot: 'test_report', zh: '测评后符合系统安全保护等级的技术检测评估报告', en: 'Test report showing the system meets its level' },
  { slot: 'expert_review', zh: '信息系统安全保护等级专家评审意见', en: 'Expert review opinion on the level' },
  { slot: 'authority_approval', zh: '主管部门审核批准信息系统安全保护等级的意见', en: "Competent authority's approval of the level" },
] as const;
export type AttachmentSlot = (typeof FILING_ATTACHMENTS)[number]['slot'];
const SLOTS = new Set<string>(FILING_ATTACHMENTS.map((a) => a.slot));

export const FILING_STATUSES = ['draft', 'submitted', 'certified', 'returned'] as const;
export type FilingStatus = (typeof FILING_STATUSES)[number];
/** Allowed status changes of a filing. */
const NEXT_STATUS: Record<FilingStatus, readonly FilingStatus[]> = {
  draft: ['draft', 'submitted'],
  submitted: ['submitted', 'certified', 'returned'],
  returned: ['returned', 'draft', 'submitted'],
  certified: ['certified'],
};

export interface FilingForm {
  organizationName?: string;
  address?: string;
  creditCode?: string;
  responsiblePerson?: string;
  contacts?: Array<{ name: string; role?: string; phone?: string; email?: string }>;
  systemName?: string;
  businessDescription?: string;
  serviceScope?: string;
}

export interface FilingInput {
  form: FilingForm;
  status: FilingStatus;
  filingOrgan?: string | null;
  submittedOn?: string | null;
  certificateNumber?: string | null;
  certificateDate?: string | null;
  returnReason?: string | null;
  missingAttachments?: AttachmentSlot[];
  /** The date the system was re-filed with the 2025 templates (公网安〔2025〕1846号 Q1); omitted: kept as stored. */
  refiledOn?: string | null;
}

// Evidence can be linked to a system and to one of its filing attachment slots.
registerLinkTarget('system', async (knex, organizationId, targetId) =>
  /^[0-9a-f-]{36}$/.test(targetId) && !!(await knex('systems').where({ id: targetId, organization_id: organizationId }).first()),
);
registerLinkTarget('filing_attachment', async (knex, organizationId, targetId) => {
  const [systemId, slot] = targetId.split(':');
  return !!systemId && /^[0-9a-f-]{36}$/.test(systemId) && SLOTS.has(slot ?? '') && !!(await knex('systems').where({ id: systemId, organization_id: organizationId }).first());
});

/** The filing (备案) of a system: the 备案表 fields, the attachment checklist and the status. */
export class FilingService extends ScopedService {
  private systems = new SystemsService({ knex: this.knex, caller: this.caller });

  private async approvedGrading(knex: Knex, systemId: string) {
    const row = await knex('gradings').where({ system_id: systemId }).whereNotNull('approved_on').orderBy('version', 'desc').first();
    return row ? gradingView(row) : undefined;
  }

  private async checklist(system: SystemRow, missing: string[], level: number | undefined) {
    const links = await this.knex('evidence_links')
      .join('evidence', 'evidence.id', 'evidence_links.evidence_id')
      .where({ 'evidence_links.organization_id': system.organization_id, 'evidence_links.target_type': 'filing_attachment' })
      .whereLike('evidence_links.target_id', `${system.id}:%`)
      .whereNull('evidence.deleted_at')
      .select('evidence_links.target_id', 'evidence.id', 'evidence.title');
    return FILING_ATTACHMENTS.map((a) => {
      const evidence = links.filter((l: Record<string, string>) => l.target_id === `${system.id}:${a.slot}`).map((l: Record<string, string>) => ({ id: l.id, title: l.title }));
      return {
        ...a,
        linkTarget: { type: 'filing_attachment', id: `${system.id}:${a.slot}` },
        required: (level ?? 0) >= 3,
        evidence,
        state: evidence.length ? 'provided' : missing.includes(a.slot) ? 'missing' : 'pending',
      };
    });
  }

  /** The filing, or a draft pre-filled from the organisation, the system and its approved grading. */
  async get(systemId: string) {
    const system = await this.systems.load(systemId);
    const row = await this.knex('filings').where({ system_id: systemId }).first();
    const grading = await this.approvedGrading(this.knex, systemId);
    const org = await this.knex('organizations').where({ id: system.organization_id }).first();
    const form: FilingForm = row
      ? JSON.parse(row.form)
      : { organizationName: org.name, address: org.address ?? undefined, creditCode: org.credit_code ?? undefined, systemName: system.name, businessDescription: system.description ?? undefined };
    const missing: string[] = row?.missing_attachments ? JSON.parse(row.missing_attachments) : [];
    return {
      systemId,
      stored: !!row,
      status: (row?.status ?? 'draft') as FilingStatus,
      form,
      level: grading?.level ?? null,
      notation: grading?.notation ?? null,
      gradingDate: grading?.gradedOn ?? null,
      gradingId: row?.grading_id ?? grading?.id ?? null,
      filingOrgan: row?.filing_organ ?? null,
      submittedOn: row?.submitted_on ?? null,
      certificateNumber: row?.certificate_number ?? null,
      certificateDate: row?.certificate_date ?? null,
      returnReason: row?.return_reason ?? null,
      attachments: await this.checklist(system, missing, grading?.level),
      refiledOn: row?.refiled_on ?? null,
      ...(await this.rules2025(systemId, grading?.level, row)),
      updatedAt: row?.updated_at ?? null,
    };
  }

  /** What the 2025 rules (controls/filing-rules-2025.yaml) say about this filing: where, whether, until when. */
  private async rules2025(systemId: string, level: number | undefined, row: Record<string, any> | undefined) {
    const r = filingRules();
    const pick = (x: { zh: string; en: string; source: string }) => ({ zh: x.zh, en: x.en, source: x.source });
    const certified = row?.status === 'certified' && row.certificate_date;
    const tests = certified ? ((await completedTestDates(this.knex, [systemId])).get(systemId) ?? []) : [];
    return {
      /** Level 1 is graded but neither filed nor tested. */
      notFiled: level !== undefined && !isFiledLevel(level) ? pick(r.level1) : null,
      /** Level 5 files with the provincial organ; levels 2-4 with the city-level (or higher) organ. */
      filingOrganLevel: level === undefined || !isFiledLevel(level) ? null : level === 5 ? r.level5.filingOrgan : 'city',
      certificate: certified ? { ...certificateExpiry(row.certificate_date, tests), completedTests: tests, rule: pick(r.certificate) } : null,
      refile2025: { required: needsRefile2025(level, certified ? row.certificate_date : null, row?.refiled_on), rule: pick(r.refile2025) },
    };
  }

  /** Marks one attachment slot as missing (or not), keeping the rest of the filing as it is. */
  async markMissing(systemId: string, slot: string, missing: boolean) {
    if (!SLOTS.has(slot)) throw new ValidationError({}, [{ path: 'slot', code: 'invalid_value', message: `must be one of: ${[...SLOTS].join(', ')}`, rule: 'invalid_choice' }]);
    const system = await this.systems.load(systemId, 'manage');
    // Read before the transaction: on SQLite the one connection is the transaction's (get() uses this.knex).
    const draft = await this.get(systemId);
    await transaction(this.knex, async (trx) => {
      const row = await trx('filings').where({ system_id: systemId }).first();
      const current: string[] = row?.missing_attachments ? JSON.parse(row.missing_attachments) : [];
      const next = missing ? [...new Set([...current, slot])] : current.filter((s) => s !== slot);
      if (row) await trx('filings').where({ id: row.id }).update({ missing_attachments: JSON.stringify(next), updated_at: now(), updated_by: this.caller.userId });
      else {
        await trx('filings').insert({ id: newId(), system_id: systemId, organization_id: system.organization_id, form: JSON.stringify(draft.form), status: 'draft', missing_attachments: JSON.stringify(next), updated_at: now(), updated_by: this.caller.userId });
      }
    });
    return this.get(systemId);
  }

  /**
   * Saves the filing. The status moves draft → submitted → certified (or returned with a reason);
   * certification moves the system from `approved` to `filed`, in the same transaction.
   */
  async put(systemId: string, input: FilingInput) {
    const system = await this.systems.load(systemId, 'manage');
    const existing = await this.knex('filings').where({ system_id: systemId }).first();
    const from = (existing?.status ?? 'draft') as FilingStatus;
    if (!NEXT_STATUS[from].includes(input.status)) {
      throw new ConflictError({ reason: 'filing_status_not_allowed', from, to: input.status });
    }
    const grading = await this.approvedGrading(this.knex, systemId);
    const problems: ErrorDetail[] = [];
    // Each detail carries a `rule` (locale block field_errors) so a page says it in the user's words.
    const need = (path: keyof FilingInput, when: boolean, message: string, rule: string) => {
      if (when && !input[path]) problems.push({ path, code: 'required', message, rule });
    };
    const forbid = (path: keyof FilingInput, when: boolean, message: string, rule: string) => {
      if (when && input[path]) problems.push({ path, code: 'not_allowed', message, rule });
    };
    const submittedOrLater = input.status !== 'draft';
    // Level 1 is graded but not filed (the 2007 measures Art. 15; 1846号 keeps it): no submission at all.
    if (submittedOrLater && grading && !isFiledLevel(grading.level)) throw new ConflictError({ reason: 'level_one_not_filed' });
    if (submittedOrLater && !grading) problems.push({ path: 'status', code: 'not_approved', message: 'the grading must be approved before filing', rule: 'filing_needs_approval' });
    need('submittedOn', submittedOrLater, 'required once the filing is submitted', 'required_when_submitted');
    need('filingOrgan', submittedOrLater, 'required once the filing is submitted', 'required_when_submitted');
    forbid('submittedOn', !submittedOrLater, 'a draft has no submission date', 'draft_no_submission_date');
    need('certificateNumber', input.status === 'certified', 'required for a certified filing', 'required_when_certified');
    need('certificateDate', input.status === 'certified', 'required for a certified filing', 'required_when_certified');
    forbid('certificateNumber', input.status !== 'certified', 'only a certified filing has a certificate number', 'only_certified');
    forbid('certificateDate', input.status !== 'certified', 'only a certified filing has a certificate date', 'only_certified');
    need('returnReason', input.status === 'returned', 'required when the filing is returned', 'required_when_returned');
    if (input.certificateDate && input.submittedOn && input.certificateDate < input.submittedOn) {
      problems.push({ path: 'certificateDate', code: 'date_order', message: `must not be before the submission date (${input.submittedOn})`, rule: 'not_before', params: { what: 'submission_date', date: input.submittedOn } });
    }
    if (input.submittedOn && grading?.approval && input.submittedOn < grading.approval.approvedOn) {
      problems.push({ path: 'submittedOn', code: 'date_order', message: `must not be before the grading approval (${grading.approval.approvedOn})`, rule: 'not_before', params: { what: 'grading_approval', date: grading.approval.approvedOn } });
    }
    forbid('refiledOn', input.status !== 'certified', 'only a certified filing is re-filed', 'only_certified_refiled');
    if (input.refiledOn && input.certificateDate && input.refiledOn < input.certificateDate) {
      problems.push({ path: 'refiledOn', code: 'date_order', message: `must not be before the certificate date (${input.certificateDate})`, rule: 'not_before', params: { what: 'certificate_date', date: input.certificateDate } });
    }
    if (problems.length) throw new ValidationError({}, problems);

    await transaction(this.knex, async (trx) => {
      const row = {
        system_id: systemId,
        organization_id: system.organization_id,
        grading_id: grading?.id ?? null,
        form: JSON.stringify(input.form),
        status: input.status,
        filing_organ: input.filingOrgan ?? null,
        submitted_on: input.submittedOn ?? null,
        certificate_number: input.certificateNumber ?? null,
        certificate_date: input.certificateDate ?? null,
        return_reason: input.returnReason ?? null,
        // Omitted: the slots marked missing stay marked (a later save must not undo "mark missing").
        missing_attachments: JSON.stringify(input.missingAttachments ?? (existing?.missing_attachments ? JSON.parse(existing.missing_attachments) : [])),
        ...(input.refiledOn !== undefined ? { refiled_on: input.refiledOn } : {}),
        updated_at: now(),
        updated_by: this.caller.userId,
      };
      if (existing) await trx('filings').where({ id: existing.id }).update(row);
      else await trx('filings').insert({ id: newId(), ...row });
      if (input.status === 'certified' && from !== 'certified') {
        const current = await trx('systems').where({ id: systemId }).first();
        if (current.status === 'approved') {
          await this.systems.recordTransition(trx, system, 'filed', `filing certificate ${input.certificateNumber}`, input.certificateDate!);
        }
      }
    });
    return this.get(systemId);
  }
}
