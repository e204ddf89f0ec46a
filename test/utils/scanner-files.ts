/**
 * Scanner files built from the formats' public documentation, for import tests: a Nessus v2
 * file (NessusClientData_v2 / Report / ReportHost / HostProperties / ReportItem, Tenable's
 * "Nessus v2 file format") and a Greenbone/OpenVAS XML report (report / results / result with
 * host, port, nvt, threat, severity, as GMP get_reports returns it).
 */
export interface NessusHost {
  ip: string;
  fqdn?: string;
  items: Array<{ port: string; svc: string; protocol: string; severity: number; pluginID: string; pluginName: string; risk: string; cves?: string[]; solution?: string; cvss3?: string; output?: string }>;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function nessusFile(hosts: NessusHost[], opts: { version?: string; prolog?: string } = {}): string {
  return `${opts.prolog ?? '<?xml version="1.0" ?>'}
<NessusClientData_v2>
<Policy><policyName>Advanced Scan</policyName></Policy>
<Report name="dengbao test scan" xmlns:cm="http://www.nessus.org/cm">
${hosts
  .map(
    (h) => `<ReportHost name="${h.ip}"><HostProperties>
<tag name="HOST_END">Tue Nov 24 10:20:00 2026</tag>
<tag name="host-ip">${h.ip}</tag>
${h.fqdn ? `<tag name="host-fqdn">${h.fqdn}</tag>` : ''}
<tag name="HOST_START">Tue Nov 24 10:00:00 2026</tag>
</HostProperties>
<ReportItem port="0" svc_name="general" protocol="tcp" severity="0" pluginID="19506" pluginName="Nessus Scan Information" pluginFamily="Settings">
<risk_factor>None</risk_factor><plugin_output>Information about this scan :
Nessus version : ${opts.version ?? '10.7.2'}
Plugin feed version : 202611240000</plugin_output></ReportItem>
${h.items
  .map(
    (i) => `<ReportItem port="${i.port}" svc_name="${i.svc}" protocol="${i.protocol}" severity="${i.severity}" pluginID="${i.pluginID}" pluginName="${esc(i.pluginName)}" pluginFamily="General">
${(i.cves ?? []).map((c) => `<cve>${c}</cve>`).join('')}
<risk_factor>${i.risk}</risk_factor>
${i.cvss3 ? `<cvss3_base_score>${i.cvss3}</cvss3_base_score>` : ''}
<solution>${esc(i.solution ?? 'n/a')}</solution>
<plugin_output>${esc(i.output ?? '')}</plugin_output>
</ReportItem>`,
  )
  .join('\n')}
</ReportHost>`,
  )
  .join('\n')}
</Report>
</NessusClientData_v2>
`;
}

export interface OpenvasResult {
  host: string;
  hostname?: string;
  port: string;
  oid: string;
  name: string;
  threat: string;
  severity: string;
  cves?: string[];
  solution?: string;
}

export function openvasFile(results: OpenvasResult[], version = '22.5'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<report id="5b3a3a44-0000-4000-8000-000000000001" format_id="a994b278-1f62-11e1-96ac-406186ea4fc5" extension="xml" content_type="text/xml">
<owner><name>admin</name></owner><name>2026-11-24T10:00:00Z</name>
<report id="5b3a3a44-0000-4000-8000-000000000001">
<gmp><version>${version}</version></gmp>
<scan_run_status>Done</scan_run_status>
<scan_start>2026-11-24T10:00:00Z</scan_start>
<results start="1" max="100">
${results
  .map(
    (r, i) => `<result id="00000000-0000-4000-8000-00000000000${i}">
<name>${esc(r.name)}</name>
<host>${r.host}<asset asset_id="a${i}"/>${r.hostname ? `<hostname>${r.hostname}</hostname>` : ''}</host>
<port>${r.port}</port>
<nvt oid="${r.oid}"><type>nvt</type><name>${esc(r.name)}</name><family>General</family><cvss_base>${r.severity}</cvss_base>
<tags>cvss_base_vector=AV:N/AC:L/Au:N/C:C/I:C/A:C|summary=${esc(r.name)}|solution_type=VendorFix</tags>
<solution type="VendorFix">${esc(r.solution ?? 'Update to the latest version.')}</solution>
<refs>${(r.cves ?? []).map((c) => `<ref type="cve" id="${c}"/>`).join('')}<ref type="url" id="https://example.org/advisory"/></refs></nvt>
<scan_nvt_version>2026-11-01T00:00:00Z</scan_nvt_version>
<threat>${r.threat}</threat>
<severity>${r.severity}</severity>
<qod><value>98</value><type>remote_banner</type></qod>
<description>Detected.</description>
</result>`,
  )
  .join('\n')}
</results>
</report>
</report>
`;
}
