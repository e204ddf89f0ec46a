import { ScanFormatInvalidError, ScanFormatUnknownError } from '../errors.js';
import { parseCsv } from './csv.js';
import { riskOfLevel, scannerLevel, type Risk, type ScannerLevel } from './tables.js';
import { kid, kids, parseXml, textOf, XmlRefused, type XmlNode } from './xml.js';

/**
 * Scanner files → one neutral shape: Nessus (.nessus v2), OpenVAS/Greenbone report XML, and the
 * documented CSV layout (README "Vulnerability scans"). Informational items are counted, not kept.
 */
export interface ParsedVulnerability {
  host: string | null;
  hostname: string | null;
  port: string | null;
  protocol: string | null;
  pluginId: string | null;
  cves: string[];
  level: Exclude<ScannerLevel, 'info'>;
  risk: Risk;
  severityRaw: string | null;
  title: string;
  solution: string | null;
  scannedAt: string | null;
}
export interface ParsedScan {
  format: 'nessus' | 'openvas' | 'csv';
  scanner: string;
  scannerVersion: string | null;
  scannedAt: string | null;
  informational: number;
  hosts: Array<{ host: string | null; hostname: string | null }>;
  vulnerabilities: ParsedVulnerability[];
}

export const EXPECTED_FORMATS = 'a Nessus .nessus file (NessusClientData_v2), an OpenVAS/Greenbone report XML (<report> with <results>), or a CSV file in the documented layout (UTF-8)';
export const SCAN_FILE_LIMIT_BYTES = 50 * 1024 * 1024;

const CVE = /CVE-\d{4}-\d{4,}/gi;
const cvesIn = (s: string | null | undefined) => [...new Set((s ?? '').toUpperCase().match(CVE) ?? [])];
const num = (s: string | null | undefined) => (s != null && s.trim() !== '' && Number.isFinite(Number(s)) ? Number(s) : null);

/** Reads a file's content; throws 415 for anything that is neither XML nor CSV text, 422 for a bad known format. */
export function parseScanFile(buf: Buffer, fileName: string): ParsedScan {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new ScanFormatUnknownError({ expected: EXPECTED_FORMATS, found: 'binary or non-UTF-8 content', foundKey: 'binary' });
  }
  text = text.replace(/^\uFEFF/, '');
  const start = text.trimStart();
  if (start.startsWith('<')) return parseXmlScan(start);
  if (/\.csv$/i.test(fileName) || /^[^\n]*,/.test(start)) return parseCsvScan(start);
  throw new ScanFormatUnknownError({ expected: EXPECTED_FORMATS, found: 'text that is neither XML nor CSV', foundKey: 'text' });
}

function parseXmlScan(text: string): ParsedScan {
  let doc: XmlNode;
  try {
    doc = parseXml(text);
  } catch (err) {
    throw new ScanFormatInvalidError({ format: 'XML', reason: (err as Error).message, reasonKey: 'xml_unreadable', detail: (err as Error).message });
  }
  const root = doc.children[0];
  if (!root) throw new ScanFormatInvalidError({ format: 'XML', reason: 'no root element', reasonKey: 'no_root' });
  if (root.name === 'NessusClientData_v2') return nessus(root);
  if (root.name === 'NessusClientData') throw new ScanFormatInvalidError({ format: 'Nessus', reason: 'this is a version 1 .nessus file (NessusClientData); export the scan as .nessus version 2 (NessusClientData_v2)', reasonKey: 'nessus_v1' });
  if (root.name === 'report' || root.name === 'get_reports_response') return openvas(root);
  throw new ScanFormatUnknownError({ expected: EXPECTED_FORMATS, found: `XML with root element <${root.name}>`, foundKey: 'xml_root', root: root.name });
}

function level(word: string | null, opts: { nessus?: string | null; cvss?: number | null }, where: string, format: string): ScannerLevel {
  const l = scannerLevel({ word, nessus: opts.nessus, cvss: opts.cvss });
  if (!l) throw new ScanFormatInvalidError({ format, reason: `${where}: severity "${word ?? opts.nessus ?? opts.cvss ?? ''}" is not in the severity table (controls/scan-severity.yaml)`, reasonKey: 'severity_unknown', where, value: String(word ?? opts.nessus ?? opts.cvss ?? '') });
  return l;
}

/** Nessus v2: Report/ReportHost (HostProperties tags) / ReportItem. */
function nessus(root: XmlNode): ParsedScan {
  const report = kid(root, 'Report');
  if (!report) throw new ScanFormatInvalidError({ format: 'Nessus', reason: 'no <Report> element in NessusClientData_v2', reasonKey: 'nessus_no_report' });
  const out: ParsedScan = { format: 'nessus', scanner: 'Nessus', scannerVersion: null, scannedAt: null, informational: 0, hosts: [], vulnerabilities: [] };
  for (const [hi, rh] of kids(report, 'ReportHost').entries()) {
    const tags = new Map(kids(kid(rh, 'HostProperties'), 'tag').map((t) => [t.attrs.name ?? '', t.text.trim()]));
    const host = tags.get('host-ip') || rh.attrs.name || null;
    const hostname = tags.get('host-fqdn') || tags.get('hostname') || tags.get('netbios-name') || null;
    const scannedAt = tags.get('HOST_START') || null;
    out.scannedAt ??= scannedAt;
    out.hosts.push({ host, hostname });
    for (const [ii, item] of kids(rh, 'ReportItem').entries()) {
      // Plugin 19506 "Nessus Scan Information" says which Nessus ran the scan.
      if (item.attrs.pluginID === '19506') out.scannerVersion ??= /Nessus version\s*:\s*([^\n]+)/i.exec(textOf(item, 'plugin_output') ?? '')?.[1]?.trim() ?? null;
      const l = level(textOf(item, 'risk_factor'), { nessus: item.attrs.severity ?? null, cvss: num(textOf(item, 'cvss3_base_score')) }, `ReportHost ${hi + 1} ReportItem ${ii + 1}`, 'Nessus');
      if (l === 'info') {
        out.informational++;
        continue;
      }
      out.vulnerabilities.push({
        host,
        hostname,
        port: item.attrs.port && item.attrs.port !== '0' ? item.attrs.port : null,
        protocol: item.attrs.protocol ?? null,
        pluginId: item.attrs.pluginID ?? null,
        cves: cvesIn(kids(item, 'cve').map((c) => c.text).join(' ')),
        level: l,
        risk: riskOfLevel(l) as Risk,
        severityRaw: [item.attrs.severity, textOf(item, 'risk_factor')].filter(Boolean).join(' / ') || null,
        title: item.attrs.pluginName || textOf(item, 'plugin_name') || `plugin ${item.attrs.pluginID ?? '?'}`,
        solution: textOf(item, 'solution'),
        scannedAt,
      });
    }
  }
  return out;
}

/** OpenVAS/Greenbone: report (possibly wrapped: get_reports_response/report/report) / results / result. */
function openvas(root: XmlNode): ParsedScan {
  let report = root.name === 'get_reports_response' ? kid(root, 'report') : root;
  if (report && !kid(report, 'results') && kid(report, 'report')) report = kid(report, 'report');
  const results = kid(report, 'results');
  if (!report || !results) throw new ScanFormatInvalidError({ format: 'OpenVAS', reason: 'no <results> in the <report>: export the report in Greenbone XML format (report/results/result)', reasonKey: 'openvas_no_results' });
  const version = textOf(kid(report, 'gmp'), 'version') ?? textOf(kid(report, 'omp'), 'version');
  const scanStart = textOf(report, 'scan_start') ?? textOf(report, 'timestamp');
  const out: ParsedScan = { format: 'openvas', scanner: 'OpenVAS/Greenbone', scannerVersion: version, scannedAt: scanStart, informational: 0, hosts: [], vulnerabilities: [] };
  const seen = new Set<string>();
  for (const [i, r] of kids(results, 'result').entries()) {
    const hostNode = kid(r, 'host');
    const host = hostNode ? hostNode.text.trim() || null : null;
    const hostname = textOf(hostNode, 'hostname');
    if (!seen.has(`${host}|${hostname}`)) {
      seen.add(`${host}|${hostname}`);
      out.hosts.push({ host, hostname });
    }
    const nvt = kid(r, 'nvt');
    const severity = num(textOf(r, 'severity')) ?? num(textOf(nvt, 'cvss_base'));
    const threat = textOf(r, 'threat');
    // The score is finer than the word (Greenbone's High spans 7.0–10.0): the word only when no score is given.
    const l = level(severity == null ? threat : null, { cvss: severity }, `result ${i + 1}`, 'OpenVAS');
    if (l === 'info') {
      out.informational++;
      continue;
    }
    const [portNo, proto] = (textOf(r, 'port') ?? '').split('/');
    const tags = new Map((textOf(nvt, 'tags') ?? '').split('|').map((kv) => [kv.split('=')[0]!, kv.slice(kv.indexOf('=') + 1)]));
    const refs = kids(kid(nvt, 'refs'), 'ref').filter((x) => (x.attrs.type ?? '').toLowerCase() === 'cve').map((x) => x.attrs.id ?? '');
    out.vulnerabilities.push({
      host,
      hostname,
      port: portNo && /^\d+$/.test(portNo) ? portNo : null,
      protocol: proto || null,
      pluginId: nvt?.attrs.oid ?? null,
      cves: cvesIn([...refs, textOf(nvt, 'cve') ?? ''].join(' ')),
      level: l,
      risk: riskOfLevel(l) as Risk,
      severityRaw: [threat, severity].filter((x) => x != null).join(' / ') || null,
      title: textOf(nvt, 'name') ?? textOf(r, 'name') ?? `NVT ${nvt?.attrs.oid ?? '?'}`,
      solution: textOf(nvt, 'solution') ?? tags.get('solution') ?? null,
      scannedAt: scanStart,
    });
  }
  return out;
}

/** CSV header words (lower-cased, spaces removed) → field. */
const CSV_HEADERS: Record<string, keyof CsvRow> = {
  目标: 'host', ip: 'host', 目标ip: 'host', 主机: 'host', 'ip地址': 'host', target: 'host', host: 'host',
  主机名: 'hostname', 域名: 'hostname', hostname: 'hostname',
  端口: 'port', port: 'port',
  协议: 'protocol', protocol: 'protocol',
  漏洞编号: 'pluginId', 插件id: 'pluginId', 漏洞id: 'pluginId', id: 'pluginId', pluginid: 'pluginId', vulnerabilityid: 'pluginId',
  cve: 'cve', cve编号: 'cve',
  漏洞名称: 'title', 名称: 'title', name: 'title', title: 'title', vulnerability: 'title',
  风险等级: 'severity', 风险级别: 'severity', 危险等级: 'severity', 等级: 'severity', severity: 'severity', risk: 'severity',
  解决方案: 'solution', 修复建议: 'solution', solution: 'solution',
  扫描时间: 'scannedAt', 时间: 'scannedAt', scantime: 'scannedAt', time: 'scannedAt',
  扫描器: 'scanner', 扫描工具: 'scanner', scanner: 'scanner',
  版本: 'version', 扫描器版本: 'version', version: 'version',
};
interface CsvRow { host: string; hostname: string; port: string; protocol: string; pluginId: string; cve: string; title: string; severity: string; solution: string; scannedAt: string; scanner: string; version: string }
const REQUIRED: Array<keyof CsvRow> = ['host', 'title', 'severity'];

function parseCsvScan(text: string): ParsedScan {
  const rows = parseCsv(text);
  const header = (rows[0] ?? []).map((h) => CSV_HEADERS[h.trim().toLowerCase().replace(/\s+/g, '')]);
  const missing = REQUIRED.filter((f) => !header.includes(f));
  if (missing.length) {
    const names: Record<string, string> = { host: '目标/IP', title: '漏洞名称', severity: '风险等级' };
    throw new ScanFormatInvalidError({ format: 'CSV', reason: `the header row lacks ${missing.map((m) => names[m]).join(', ')} (documented layout: 目标/IP, 端口, 协议, 漏洞编号, CVE, 漏洞名称, 风险等级, 解决方案, 扫描时间, 扫描器, 版本)`, reasonKey: 'csv_header', columns: missing.map((m) => names[m]).join('、') });
  }
  const out: ParsedScan = { format: 'csv', scanner: '', scannerVersion: null, scannedAt: null, informational: 0, hosts: [], vulnerabilities: [] };
  const seen = new Set<string>();
  for (const [i, cells] of rows.slice(1).entries()) {
    const r = {} as CsvRow;
    header.forEach((f, c) => {
      if (f && !r[f]) r[f] = (cells[c] ?? '').trim();
    });
    const where = `row ${i + 2}`;
    if (!r.host && !r.hostname) throw new ScanFormatInvalidError({ format: 'CSV', reason: `${where}: 目标/IP is empty`, reasonKey: 'csv_empty', where, column: '目标/IP' });
    if (!r.title) throw new ScanFormatInvalidError({ format: 'CSV', reason: `${where}: 漏洞名称 is empty`, reasonKey: 'csv_empty', where, column: '漏洞名称' });
    const l = level(r.severity || null, {}, where, 'CSV');
    out.scanner ||= r.scanner ?? '';
    out.scannerVersion ??= r.version || null;
    out.scannedAt ??= r.scannedAt || null;
    const key = `${r.host}|${r.hostname ?? ''}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.hosts.push({ host: r.host || null, hostname: r.hostname || null });
    }
    if (l === 'info') {
      out.informational++;
      continue;
    }
    out.vulnerabilities.push({
      host: r.host || null,
      hostname: r.hostname || null,
      port: r.port || null,
      protocol: r.protocol ? r.protocol.toLowerCase() : null,
      pluginId: r.pluginId || null,
      cves: cvesIn(r.cve),
      level: l,
      risk: riskOfLevel(l) as Risk,
      severityRaw: r.severity,
      title: r.title,
      solution: r.solution || null,
      scannedAt: r.scannedAt || null,
    });
  }
  out.scanner ||= 'CSV';
  return out;
}

export { XmlRefused };
