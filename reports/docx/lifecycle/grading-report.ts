import type { Harm } from '../../../server/systems/grading-matrix.js';
import { orBlank, txt, type Block } from '../blocks.js';
import { documentLabels, type LifecycleData } from './data.js';

/**
 * 定级报告 (grading report, 2025 model): the graded system, the objects harmed and the degrees
 * for S and for A with the matrix cell of each, the rationale, the resulting level. The business
 * and network descriptions dengbao does not hold are marked blanks for the operator.
 */
export function gradingReportBlocks(d: LifecycleData): Block[] {
  const L = documentLabels(d.lang);
  const zh = d.lang === 'zh-CN';
  const pick = (t: { zh: string; en: string }) => (zh ? t.zh : t.en);
  const g = d.grading;
  const form = d.filing?.form ?? {};
  const blank: Block = { kind: 'blank', text: L('blank_operator') };
  // The model's grid: objects × degrees, each cell the matrix level, the harms recorded ticked (√).
  const objects = Object.keys(d.matrix.objects) as Harm['object'][];
  const degrees = Object.keys(d.matrix.degrees) as Harm['degree'][];
  const harms = (list: Harm[]): Block =>
    list.length
      ? {
          kind: 'table',
          header: [L('object_harmed'), ...degrees.map((g) => pick(d.matrix.degrees[g]))],
          widths: [40, 20, 20, 20],
          rows: objects.map((o) => [
            pick(d.matrix.objects[o]),
            ...degrees.map((g) => {
              const level = txt(d.matrix.matrix[o][g]);
              return list.some((h) => h.object === o && h.degree === g) ? { text: `√ ${level}`, bold: true, fill: 'FFF3CD' } : level;
            }),
          ]),
        }
      : { kind: 'blank', text: L('not_graded') };
  return [
    { kind: 'title', text: L('title_grading_report'), subtitle: [d.system.name, d.organization.name] },
    { kind: 'heading', level: 1, text: L('g1') },
    { kind: 'heading', level: 2, text: L('g1_1') },
    { kind: 'fields', rows: [[L('system_name'), d.system.name], [L('operator'), d.organization.name], [L('credit_code'), orBlank(d.organization.creditCode, L('blank_operator'))], [L('address'), orBlank(d.organization.address, L('blank_operator'))], [L('deployment'), d.system.deployment]] },
    ...(d.system.description ? [{ kind: 'paragraph', text: d.system.description } as Block] : []),
    { kind: 'heading', level: 2, text: L('g1_2') },
    form.businessDescription ? { kind: 'paragraph', text: form.businessDescription } : blank,
    { kind: 'heading', level: 2, text: L('g1_3') },
    form.serviceScope ? { kind: 'paragraph', text: form.serviceScope } : blank,
    { kind: 'heading', level: 2, text: L('g1_4') },
    blank,
    { kind: 'heading', level: 1, text: L('g2') },
    { kind: 'heading', level: 2, text: L('g2_1') },
    { kind: 'heading', level: 3, text: L('business_info') },
    blank,
    harms(g?.businessHarms ?? []),
    { kind: 'paragraph', bold: true, text: `${L('s_level')}${zh ? '：' : ': '}${g ? `S${g.sLevel}` : ''}` },
    { kind: 'heading', level: 2, text: L('g2_2') },
    { kind: 'heading', level: 3, text: L('service_info') },
    blank,
    harms(g?.serviceHarms ?? []),
    { kind: 'paragraph', bold: true, text: `${L('a_level')}${zh ? '：' : ': '}${g ? `A${g.aLevel}` : ''}` },
    { kind: 'heading', level: 2, text: L('g2_3') },
    g?.rationale ? { kind: 'paragraph', text: g.rationale } : blank,
    { kind: 'heading', level: 1, text: L('g3') },
    g
      ? { kind: 'fields', rows: [[L('s_level'), `S${g.sLevel}`], [L('a_level'), `A${g.aLevel}`], [L('g_level'), zh ? `第${g.level}级` : `Level ${g.level}`], [L('notation'), g.notation], [L('graded_on'), g.gradedOn], [L('grading_version'), String(g.version)]] }
      : { kind: 'blank', text: L('not_graded') },
    { kind: 'paragraph', muted: true, text: `${L('rule')}${zh ? '：' : ': '}${pick(d.matrix.rule)}（${d.matrix.standard}）` },
    { kind: 'paragraph', muted: true, text: L('generated_by') },
  ];
}
