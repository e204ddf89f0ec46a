/**
 * Builds templates/docx/example-test-report.docx, the example organisation template (README
 * "Word documents"): run `npx tsx scripts/build-docx-template.ts` after changing it and commit
 * the result. It uses every kind of placeholder: fields, a section on a flag and its inverse, a
 * repeated paragraph and repeated table rows, in the body and in the page header.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { writeDocx } from '../reports/docx/writer.js';
import { projectRoot } from '../server/version.js';

const file = path.join(projectRoot(), 'templates', 'docx', 'example-test-report.docx');
const buf = await writeDocx({
  lang: 'zh-CN',
  headerText: '{assessingOrganization.name}　{reportNumber}',
  title: '{title}',
  blocks: [
    { kind: 'paragraph', text: '报告编号：{reportNumber}' },
    { kind: 'title', text: '{title}', subtitle: ['{system.name}（{system.notation}）'] },
    { kind: 'fields', rows: [['被测单位', '{assessedOrganization.name}'], ['测评单位', '{assessingOrganization.name}（{assessingOrganization.code}）'], ['测评日期', '{assessment.startDate} — {assessment.endDate}']] },
    { kind: 'heading', level: 1, text: '1 等级测评结论' },
    { kind: 'paragraph', text: '测评结论：{conclusion.label}，符合率 {conclusion.rate}。' },
    { kind: 'paragraph', text: '{#conclusion.provisional}尚有测评项未完成，结论为暂定。{/conclusion.provisional}' },
    { kind: 'paragraph', text: '高风险 {risks.high} 个，中风险 {risks.medium} 个，低风险 {risks.low} 个。' },
    { kind: 'paragraph', text: '{#hasMajorRisks}重大风险隐患：{/hasMajorRisks}{^hasMajorRisks}未发现重大风险隐患。{/hasMajorRisks}' },
    { kind: 'paragraph', text: '{#majorRisks}{number} {title}{/majorRisks}' },
    { kind: 'heading', level: 1, text: '2 各层面符合率' },
    { kind: 'table', header: ['安全层面', '测评项数', '符合率'], rows: [['{#layers}{code} {name}', '{units}', '{rate}{/layers}']] },
    { kind: 'heading', level: 1, text: '3 安全问题及整改建议' },
    { kind: 'table', header: ['编号', '安全问题', '风险等级', '整改建议'], widths: [10, 40, 12, 38], rows: [['{#findings}{number}', '{title}', '{risk}', '{recommendation}{/findings}']] },
    { kind: 'heading', level: 1, text: '4 验证测试' },
    { kind: 'blank', text: '（由测评机构填写）' },
  ],
});
writeFileSync(file, buf);
console.log(`wrote ${path.relative(projectRoot(), file)} (${buf.length} bytes)`);
