import { readFileSync } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { projectRoot } from '../../server/version.js';
import { barChartSvg } from '../render.js';
import type { Block, Cell, DocumentSpec } from './blocks.js';

const esc = (s: string) => Handlebars.escapeExpression(s).replace(/\r?\n/g, '<br>');

function cell(c: Cell, tag: 'td' | 'th'): string {
  if (typeof c === 'string') return `<${tag}>${esc(c)}</${tag}>`;
  if ('lines' in c) return `<${tag}>${c.lines.map(esc).join('<br>')}${(c.muted ?? []).map((m) => `<br><span class="muted">${esc(m)}</span>`).join('')}</${tag}>`;
  return `<${tag}${c.fill ? ` style="background:#${c.fill}"` : ''}>${c.bold ? `<strong>${esc(c.text)}</strong>` : esc(c.text)}</${tag}>`;
}

function block(b: Block): string {
  switch (b.kind) {
    case 'heading':
      return `<h${b.level + 1}>${esc(b.text)}</h${b.level + 1}>`;
    case 'title':
      return `<h1 style="text-align:center">${esc(b.text)}</h1>${(b.subtitle ?? []).map((s) => `<p style="text-align:center;font-size:13pt">${esc(s)}</p>`).join('')}`;
    case 'paragraph':
      return `<p${b.muted ? ' class="muted"' : ''}>${b.bold ? `<strong>${esc(b.text)}</strong>` : esc(b.text)}</p>`;
    case 'blank':
      return `<p class="placeholder">${esc(b.text)}</p>`;
    case 'table':
      return `<table>${b.header.length ? `<tr>${b.header.map((h) => cell(h, 'th')).join('')}</tr>` : ''}${b.rows.map((r) => `<tr>${r.map((c) => cell(c, 'td')).join('')}</tr>`).join('')}</table>`;
    case 'fields':
      return `<table>${b.rows.map(([k, v]) => `<tr><th style="width:28%">${esc(k)}</th>${cell(v, 'td')}</tr>`).join('')}</table>`;
    case 'chart':
      return `<h3>${esc(b.title)}</h3>${barChartSvg(b.categories.map((label, i) => ({ label, rate: b.percent ? (b.values[i] ?? null) : null })))}`;
    case 'toc':
      return '';
    case 'pageBreak':
      return '<div class="page"></div>';
  }
}

/** Blocks → one self-contained HTML page in the PDF reports' style (for printing the lifecycle documents). */
export function blocksToHtml(spec: DocumentSpec): string {
  const css = readFileSync(path.join(projectRoot(), 'templates', 'reports', 'report.css'), 'utf8');
  return `<!DOCTYPE html><html lang="${esc(spec.lang)}"><head><meta charset="utf-8"><title>${esc(spec.title)}</title><style>${css}</style></head><body>${spec.blocks.map(block).join('\n')}</body></html>`;
}
