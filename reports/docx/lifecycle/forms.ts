import { blankCell, orBlank, txt, type Block, type Cell } from '../blocks.js';
import { documentLabels, type LifecycleData } from './data.js';
import { surveySheetBlocks } from './plan-survey.js';

/**
 * 备案表 (filing form, 2025 model): the organisation, the graded system, the grading (with its
 * review and approval), the attachment list with what is provided, and the filing's progress.
 * The 数据摸底调查表 sheets follow as an attachment where the filing holds them (level 2+; a marked
 * blank when the operator has not filled them in).
 */
export function filingFormBlocks(d: LifecycleData): Block[] {
  const L = documentLabels(d.lang);
  const zh = d.lang === 'zh-CN';
  const f = d.filing;
  const form = f?.form ?? {};
  const g = d.filingGrading;
  const op = L('blank_operator');
  const or = (v: unknown, blank = op): Cell => orBlank(v, blank);
  // The filing's own contacts, else the system's (both recorded in dengbao).
  const contacts = form.contacts?.length ? form.contacts : d.system.contacts;
  const out: Block[] = [
    { kind: 'title', text: L('title_filing_form'), subtitle: [form.systemName || d.system.name] },
    { kind: 'heading', level: 1, text: L('f1') },
    { kind: 'fields', rows: [[L('operator'), or(form.organizationName, d.organization.name)], [L('address'), or(form.address)], [L('credit_code'), or(form.creditCode)], [L('responsible_person'), or(form.responsiblePerson)]] },
    { kind: 'heading', level: 2, text: L('contacts') },
    contacts.length
      ? { kind: 'table', header: [L('contact_name'), L('contact_role'), L('phone'), L('email')], rows: contacts.map((c) => [c.name, txt(c.role), txt(c.phone), txt(c.email)]) }
      : { kind: 'blank', text: op },
    { kind: 'heading', level: 1, text: L('f2') },
    { kind: 'fields', rows: [[L('system_name'), or(form.systemName, d.system.name)], [L('business_description'), or(form.businessDescription)], [L('service_scope'), or(form.serviceScope)], [L('deployment'), d.system.deployment]] },
    { kind: 'heading', level: 1, text: L('f3') },
    g
      ? {
          kind: 'fields',
          rows: [
            [L('g_level'), zh ? `第${g.level}级` : `Level ${g.level}`],
            [L('notation'), g.notation],
            [L('graded_on'), g.gradedOn],
            [L('expert_review'), g.review ? `${g.review.reviewedOn}　${g.review.experts.join('、')}` : blankCell(op)],
            [L('approval'), g.approval ? `${g.approval.authority}　${g.approval.reference}　${g.approval.approvedOn}` : blankCell(op)],
          ],
        }
      : { kind: 'blank', text: L('not_graded') },
    { kind: 'heading', level: 1, text: L('f4') },
    {
      kind: 'table',
      header: [L('no'), L('attachment'), L('required'), L('state'), L('evidence')],
      widths: [7, 45, 10, 12, 26],
      rows: (f?.attachments ?? []).map((a, i) => [String(i + 1), zh ? a.zh : a.en, a.required ? L('yes') : L('no_word'), L(`state_${a.state}`), a.evidence.map((e) => e.title).join('、')]),
    },
    { kind: 'heading', level: 1, text: L('f5') },
    {
      kind: 'fields',
      rows: [
        [L('filing_status'), L(`status_${f?.status ?? 'draft'}`)],
        [L('filing_organ'), or(f?.filingOrgan)],
        [L('submitted_on'), or(f?.submittedOn)],
        [L('certificate_number'), or(f?.certificateNumber, L('blank_authority'))],
        [L('certificate_date'), or(f?.certificateDate, L('blank_authority'))],
        ...(f?.returnReason ? [[L('return_reason'), f.returnReason] as [string, Cell]] : []),
      ],
    },
  ];
  // Level 1 is not filed and has no survey (公网安〔2025〕1846号 Q14).
  if (!g || g.level >= 2) out.push({ kind: 'heading', level: 1, text: L('survey_attachment') }, ...surveySheetBlocks(d, 2));
  out.push({ kind: 'paragraph', muted: true, text: L('generated_by') });
  return out;
}

/** 专家评审意见表 (expert review form): the system, the proposed level, the experts, the date and the opinion as recorded. */
export function expertReviewBlocks(d: LifecycleData): Block[] {
  const L = documentLabels(d.lang);
  const zh = d.lang === 'zh-CN';
  const g = d.grading;
  const review = g?.review ?? null;
  const expertBlank = L('blank_expert');
  const experts = review?.experts ?? [];
  return [
    { kind: 'title', text: L('title_expert_review') },
    {
      kind: 'fields',
      rows: [
        [L('system_name'), d.system.name],
        [L('operator'), d.organization.name],
        [L('proposed_level'), g ? `${zh ? `第${g.level}级` : `Level ${g.level}`}（${g.notation}）` : L('not_graded')],
        [L('graded_on'), g ? g.gradedOn : L('not_graded')],
        [L('reviewed_on'), review ? review.reviewedOn : blankCell(expertBlank)],
      ],
    },
    { kind: 'heading', level: 1, text: L('experts') },
    {
      kind: 'table',
      header: [L('no'), L('expert_name'), L('expert_org'), L('signature')],
      widths: [8, 30, 40, 22],
      // Names as recorded; organisation and signature are the experts' own (never invented).
      rows: (experts.length ? experts : ['', '', '']).map((name, i) => [String(i + 1), name || blankCell(expertBlank), blankCell(expertBlank), '']),
    },
    { kind: 'heading', level: 1, text: L('opinion') },
    review?.opinion ? { kind: 'paragraph', text: review.opinion } : { kind: 'blank', text: L('not_reviewed') },
    { kind: 'fields', rows: [[L('leader_signature'), ''], [L('date'), review ? review.reviewedOn : '']] },
    { kind: 'paragraph', muted: true, text: L('generated_by') },
  ];
}
