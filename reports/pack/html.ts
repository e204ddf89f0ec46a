import type { PackManifest } from './manifest.js';

/** A file of the pack as the page links to it. */
export interface PageFile {
  path: string;
  title: string;
  version: number | null;
  size: number;
  sha256: string;
}

export interface PageResult {
  object: string | null;
  value: string;
  record: string | null;
  inherited: boolean;
  evidence: PageFile[];
}

export interface PageUnit {
  code: string;
  text: { zh: string; en: string };
  results: PageResult[];
}

export interface PageLayer {
  code: string;
  /** general requirements or the cloud extension (listed after the general ones). */
  set: string;
  name: { zh: string; en: string };
  controlPoints: Array<{ name: { zh: string; en: string }; units: PageUnit[] }>;
}

export interface PageFinding {
  number: string;
  title: string;
  risk: string;
  units: string[];
  objects: string[];
  remediation: string | null;
  evidence: PageFile[];
  verification: PageFile[];
}

export interface PackPage {
  manifest: Omit<PackManifest, 'files'>;
  layers: PageLayer[];
  findings: PageFinding[];
  systemEvidence: PageFile[];
  files: PageFile[];
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** HTML-escapes any user text (titles, records, names). */
export const esc = (value: unknown): string => String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** A relative href to a file of the pack: each path segment percent-encoded. */
export const href = (path: string): string => path.split('/').map(encodeURIComponent).join('/');

const VALUE_LABEL: Record<string, string> = {
  conform: '符合 Conform',
  partial: '部分符合 Partial',
  nonconform: '不符合 Non-conform',
  na: '不适用 N/A',
  not_assessed: '未测评 Not assessed',
};
const RISK_LABEL: Record<string, string> = { high: '高 High', medium: '中 Medium', low: '低 Low' };
const REMEDIATION_LABEL: Record<string, string> = {
  open: '待整改 Open',
  in_progress: '整改中 In progress',
  fixed: '已整改 Fixed',
  verified: '已验证 Verified',
  risk_accepted: '风险接受 Risk accepted',
};

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${(x * 100).toFixed(2)}%`);
const size = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 / 1024).toFixed(1)} MiB`);

const fileLinks = (files: PageFile[]) =>
  files.length ? `<ul class="ev">${files.map((f) => `<li><a href="${esc(href(f.path))}">${esc(f.title)}</a>${f.version ? ` <span class="muted">v${f.version}</span>` : ''}</li>`).join('')}</ul>` : '';

const CSS = `
body{font-family:-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;margin:0;padding:24px 32px;color:#1f2328;line-height:1.5;font-size:14px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:2px solid #d0d7de;padding-bottom:4px}
h3{font-size:16px;margin:24px 0 6px}h4{font-size:14px;margin:16px 0 4px;color:#424a53}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}th,td{border:1px solid #d0d7de;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}dt{color:#57606a}dd{margin:0}
.muted{color:#6e7781}.code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}.hash{font-family:ui-monospace,monospace;font-size:11px;word-break:break-all}
.unit{margin:8px 0 16px}.unit p{margin:2px 0 4px}.v{white-space:nowrap;font-weight:600}
.v-conform{color:#1a7f37}.v-partial{color:#9a6700}.v-nonconform{color:#cf222e}.v-na,.v-not_assessed{color:#6e7781}
.conclusion{background:#f6f8fa;border:1px solid #d0d7de;border-radius:6px;padding:12px 16px;margin:12px 0}.conclusion strong{font-size:18px}
ul.ev{margin:0;padding-left:18px}nav a{margin-right:12px}.rec{white-space:pre-wrap}
@media print{nav{display:none}a{color:inherit}}
`;

/** The pack's index.html: one self-contained page (inline CSS, no scripts, no external resource). */
export function renderIndex(page: PackPage): string {
  const m = page.manifest;
  const a = m.assessment;
  const s = m.summary;
  const out: string[] = [];
  out.push(`<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">`);
  out.push(`<meta name="viewport" content="width=device-width, initial-scale=1">`);
  out.push(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src 'self'">`);
  out.push(`<title>${esc(`证据包 Evidence pack — ${a.system.name} — ${a.reportNumber ?? a.id}`)}</title><style>${CSS}</style></head><body>`);
  out.push(`<h1>${esc(a.system.name)} — 测评证据包 Evidence pack</h1>`);
  out.push(`<p class="muted">${esc(a.organization.name)}${a.organization.nameEn ? ` · ${esc(a.organization.nameEn)}` : ''}</p>`);
  out.push(`<nav><a href="#results">测评结果 Results</a><a href="#findings">安全问题 Findings</a><a href="#files">文件清单 Files</a><a href="${esc(href('manifest.json'))}">manifest.json</a></nav>`);
  out.push('<dl>');
  const row = (k: string, v: string) => out.push(`<dt>${k}</dt><dd>${v}</dd>`);
  row('报告编号 Report number', esc(a.reportNumber ?? '—'));
  row('测评 Assessment', `<span class="code">${esc(a.id)}</span> · 第 ${esc(a.revision)} 版 revision ${esc(a.revision)}`);
  row('等级 Level', `第${esc(a.level)}级 Level ${esc(a.level)}`);
  row('类型与状态 Kind, status', `${esc(a.kind)} · ${esc(a.status)}`);
  row('生成 Generated', `${esc(m.generatedAt)} · ${esc(m.generator.name)} ${esc(m.generator.version)}`);
  out.push('</dl>');

  out.push('<div class="conclusion">');
  const c = s.conclusion;
  out.push(`<p>结论 Conclusion: <strong>${esc(c.label.zh)}</strong> <span class="muted">${esc(c.label.en)}</span>${c.provisional ? ' <span class="muted">（暂定 provisional）</span>' : ''}</p>`);
  out.push(`<p>综合符合率 Overall rate: <strong>${esc(pct(s.overallRate))}</strong> · 测评进度 Progress ${esc(s.progress.assessed)}/${esc(s.progress.total)}</p>`);
  out.push(`<p>${esc(c.rule.zh)}</p><p class="muted">${esc(c.rule.en)}</p>`);
  if (s.override) out.push(`<p>结论已调整 Override: <strong>${esc(s.override.conclusion)}</strong> — ${esc(s.override.reason)}${s.override.by ? ` (${esc(s.override.by)})` : ''}</p>`);
  out.push('</div>');
  const counts = s.units.counts;
  out.push('<table><tr><th>测评项 Units</th><th>已完成 Complete</th><th>符合 Conform</th><th>部分符合 Partial</th><th>不符合 Non-conform</th><th>不适用 N/A</th><th>安全问题 Findings</th><th>高/中/低 High/Medium/Low</th></tr>');
  out.push(
    `<tr><td>${esc(s.units.total)}</td><td>${esc(s.units.complete)}</td><td>${esc(counts.conform ?? 0)}</td><td>${esc(counts.partial ?? 0)}</td><td>${esc(counts.nonconform ?? 0)}</td><td>${esc(counts.na ?? 0)}</td><td>${esc(s.findings.total)}</td><td>${esc(s.findings.byRisk.high ?? 0)}/${esc(s.findings.byRisk.medium ?? 0)}/${esc(s.findings.byRisk.low ?? 0)}</td></tr></table>`,
  );
  if (page.systemEvidence.length) out.push(`<h4>定级对象证据 Evidence on the system</h4>${fileLinks(page.systemEvidence)}`);

  out.push('<h2 id="results">测评结果 Results</h2>');
  for (const layer of page.layers) {
    const ext = layer.set === 'general' ? '' : (EXTENSION_LABELS[layer.set] ?? ` (${layer.set})`);
    out.push(`<h3 id="layer-${esc(layer.code)}${layer.set === 'general' ? '' : `-${esc(layer.set)}`}">${esc(layer.name.zh)}${esc(ext)} <span class="muted">${esc(layer.name.en)} (${esc(layer.code)})</span></h3>`);
    for (const cp of layer.controlPoints) {
      out.push(`<h4>${esc(cp.name.zh)} <span class="muted">${esc(cp.name.en)}</span></h4>`);
      for (const u of cp.units) {
        out.push(`<div class="unit" id="unit-${esc(u.code)}"><p><span class="code">${esc(u.code)}</span> ${esc(u.text.zh)}</p>`);
        out.push('<table><tr><th style="width:16%">测评对象 Object</th><th style="width:12%">结果 Result</th><th>记录 Record</th><th style="width:22%">证据 Evidence</th></tr>');
        for (const r of u.results) {
          out.push(
            `<tr><td>${r.object === null ? '<span class="muted">整体 whole system</span>' : esc(r.object)}</td>` +
              `<td class="v v-${esc(r.value)}">${esc(VALUE_LABEL[r.value] ?? r.value)}${r.inherited ? '<br><span class="muted">继承 inherited</span>' : ''}</td>` +
              `<td class="rec">${esc(r.record ?? '')}</td><td>${fileLinks(r.evidence)}</td></tr>`,
          );
        }
        out.push('</table></div>');
      }
    }
  }

  out.push('<h2 id="findings">安全问题 Findings</h2>');
  if (!page.findings.length) out.push('<p class="muted">无 None</p>');
  else {
    out.push('<table><tr><th>编号 No.</th><th>问题 Finding</th><th>风险 Risk</th><th>测评项 Units</th><th>对象 Objects</th><th>整改 Remediation</th><th>证据 Evidence</th><th>整改验证 Verification</th></tr>');
    for (const f of page.findings) {
      out.push(
        `<tr id="finding-${esc(f.number)}"><td class="code">${esc(f.number)}</td><td>${esc(f.title)}</td><td>${esc(RISK_LABEL[f.risk] ?? f.risk)}</td>` +
          `<td class="code">${f.units.map((u) => `<a href="#unit-${esc(u)}">${esc(u)}</a>`).join('<br>')}</td><td>${f.objects.map(esc).join('<br>')}</td>` +
          `<td>${esc(f.remediation ? (REMEDIATION_LABEL[f.remediation] ?? f.remediation) : '—')}</td><td>${fileLinks(f.evidence)}</td><td>${fileLinks(f.verification)}</td></tr>`,
      );
    }
    out.push('</table>');
  }

  out.push('<h2 id="files">文件清单 Files</h2>');
  if (!page.files.length) out.push('<p class="muted">无 None</p>');
  else {
    out.push('<table><tr><th>文件 File</th><th>标题 Title</th><th>版本 Version</th><th>大小 Size</th><th>SHA-256</th></tr>');
    for (const f of page.files) {
      out.push(
        `<tr><td class="code"><a href="${esc(href(f.path))}">${esc(f.path)}</a></td><td>${esc(f.title)}</td><td>${f.version ? `v${esc(f.version)}` : '—'}</td><td>${esc(size(f.size))}</td><td class="hash">${esc(f.sha256)}</td></tr>`,
      );
    }
    out.push('</table>');
  }
  out.push(`<p class="muted">每个文件的 SHA-256 见 manifest.json；用 <span class="code">npx dengbao pack verify &lt;zip&gt;</span> 校验整个证据包。 Each file's SHA-256 is in manifest.json; check the whole pack with <span class="code">npx dengbao pack verify &lt;zip&gt;</span>.</p>`);
  out.push('</body></html>\n');
  return out.join('\n');
}

/** Bilingual labels of the extension requirement sets in the pack index. */
const EXTENSION_LABELS: Record<string, string> = {
  cloud: '（云计算扩展要求 cloud extension）',
  mobile: '（移动互联扩展要求 mobile internet extension）',
  iot: '（物联网扩展要求 IoT extension）',
  ics: '（工业控制系统扩展要求 industrial control extension）',
};
