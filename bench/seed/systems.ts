import type { Harm } from '../../server/systems/grading-matrix.js';
import { grade } from '../../server/systems/grading-matrix.js';
import type { Prng } from './prng.js';

/** Generated rows of one system: the system, its grading, filing, lifecycle history and objects. */
export interface SystemRows {
  system: Record<string, unknown>;
  level: number;
  grading: Record<string, unknown>;
  filing?: Record<string, unknown>;
  transitions: Array<Record<string, unknown>>;
  objects: Array<{ id: string; category: string; name: string; row: Record<string, unknown> }>;
}

// A realistic mix: most systems are level 2 or 3, a few level 4, hardly any level 1.
const LEVEL_MIX = [[1, 3], [2, 47], [3, 42], [4, 8]] as const;
const HARMS: Record<number, Harm> = {
  1: { object: 'citizens', degree: 'general' },
  2: { object: 'citizens', degree: 'serious' },
  3: { object: 'social', degree: 'serious' },
  4: { object: 'national', degree: 'serious' },
} as Record<number, Harm>;
// Where systems are in their lifecycle: most have been filed and tested at least once.
const STATE_MIX = [['grading', 4], ['review', 3], ['approved', 5], ['filed', 18], ['remediation', 10], ['testing', 12], ['passed', 40], ['supervision', 8]] as const;
const PATH = ['grading', 'review', 'approved', 'filed', 'remediation', 'testing', 'passed', 'supervision'];
const BUSINESS = ['政务服务', '城市运行管理', '医疗健康', '教育管理', '金融交易', '能源调度', '交通出行', '社保就业', '公共资源交易', '企业办公'];
const KINDS = ['门户网站', '业务系统', '数据平台', '办公系统', '移动应用后台', '监控平台', '支付系统', '调度系统'];
// Objects of a level-3 system that give ≈700 result rows on the catalogue's level-3 general units.
const OBJECTS: Array<[string, string, number]> = [
  ['machine_room', '主机房', 1],
  ['network_device', '核心交换机', 4],
  ['security_device', '防火墙', 3],
  ['server_storage', '应用服务器', 7],
  ['terminal', '运维终端', 2],
  ['management_platform', '安全管理平台', 1],
  ['business_application', '业务应用', 2],
  ['data_resource', '业务数据', 2],
  ['security_personnel', '安全管理员', 1],
  ['management_document', '安全管理制度', 1],
];

export const BASE_DAY = '2026-11-01';
export function day(offset: number): string {
  return new Date(Date.parse(`${BASE_DAY}T00:00:00Z`) + offset * 86_400_000).toISOString().slice(0, 10);
}
export function stamp(offsetSeconds: number): string {
  return new Date(Date.parse(`${BASE_DAY}T00:00:00Z`) + offsetSeconds * 1000).toISOString();
}

export function generateSystem(rng: Prng, i: number, organizationId: string, userId: string, platformIds: string[]): SystemRows {
  const level = rng.weighted(LEVEL_MIX);
  let state: string = rng.weighted(STATE_MIX);
  if (level === 1 && PATH.indexOf(state) > PATH.indexOf('approved')) state = 'approved'; // level 1 is not filed
  const reached = PATH.indexOf(state);
  const id = rng.uuid();
  const cloud = platformIds.length > 0 && rng.next() < 0.12;
  const created = stamp(i);
  const business = rng.pick(BUSINESS);
  const name = `${business}${rng.pick(KINDS)}-${String(i + 1).padStart(5, '0')}`;
  const system = {
    id,
    organization_id: organizationId,
    name,
    description: `${name}（生成的组合数据）`,
    business_type: business,
    owner: `${rng.pick(['信息中心', '运维部', '科技部', '业务部'])}`,
    contacts: JSON.stringify([{ name: `联系人${i + 1}`, role: '网络安全负责人', phone: `0571-${String(rng.int(0, 99999999)).padStart(8, '0')}` }]),
    deployment: cloud ? 'cloud' : 'on_premises',
    platform_id: cloud ? rng.pick(platformIds) : null,
    ext_cloud: cloud,
    ext_mobile: false,
    ext_iot: false,
    ext_ics: false,
    ext_big_data: false,
    status: state,
    archived_at: null,
    created_by: userId,
    created_at: created,
    updated_at: created,
  };
  const harm = HARMS[level]!;
  const g = grade([harm], [rng.next() < 0.5 ? harm : HARMS[Math.max(1, level - 1)]!]);
  const gradedOn = day(-rng.int(200, 1500));
  const approvedOn = reached >= PATH.indexOf('approved') ? day(-rng.int(30, 190)) : null;
  const grading = {
    id: rng.uuid(),
    system_id: id,
    organization_id: organizationId,
    version: 1,
    business_harms: JSON.stringify([harm]),
    service_harms: JSON.stringify([harm]),
    s_level: g.sLevel,
    a_level: g.aLevel,
    level: g.level,
    notation: g.notation,
    rationale: `按 GB/T 22240-2020 定级为第${g.level}级（生成数据）`,
    graded_on: gradedOn,
    reviewed_on: reached >= PATH.indexOf('approved') ? gradedOn : null,
    review_experts: reached >= PATH.indexOf('approved') ? JSON.stringify(['专家甲', '专家乙']) : null,
    review_opinion: reached >= PATH.indexOf('approved') ? '同意定级' : null,
    approved_on: approvedOn,
    approval_authority: approvedOn ? '主管部门' : null,
    approval_reference: approvedOn ? `批复〔2026〕${i + 1}号` : null,
    created_by: userId,
    created_at: created,
  };
  let filing: Record<string, unknown> | undefined;
  if (level >= 2 && reached >= PATH.indexOf('filed')) {
    const certified = rng.next() < 0.8;
    const submittedOn = day(-rng.int(10, 400));
    filing = {
      id: rng.uuid(),
      system_id: id,
      organization_id: organizationId,
      grading_id: grading.id,
      form: JSON.stringify({ systemName: name, businessDescription: system.description }),
      status: certified ? 'certified' : 'submitted',
      filing_organ: '示例市公安局网络安全保卫支队',
      submitted_on: submittedOn,
      certificate_number: certified ? `3301${String(i + 1).padStart(7, '0')}` : null,
      certificate_date: certified ? submittedOn : null,
      return_reason: null,
      missing_attachments: '[]',
      updated_at: created,
      updated_by: userId,
    };
  }
  const transitions = PATH.slice(1, reached + 1).map((to, k) => ({
    system_id: id,
    organization_id: organizationId,
    from_state: PATH[k],
    to_state: to,
    // The last passed test falls within the last two years, so test and self-inspection deadlines spread around today.
    effective_on: to === 'passed' ? day(-rng.int(200, 700)) : day(-rng.int(700, 900) + k),
    at: stamp(i),
    user_id: userId,
    note: null,
    forced: false,
  }));
  const objects = [];
  for (const [category, label, count] of OBJECTS) {
    if (cloud && category === 'machine_room') continue;
    for (let k = 1; k <= count; k++) {
      const oid = rng.uuid();
      const oname = `${label}${count > 1 ? k : ''}`;
      objects.push({
        id: oid,
        category,
        name: oname,
        row: {
          id: oid,
          organization_id: organizationId,
          system_id: id,
          category,
          name: oname,
          ip: ['machine_room', 'security_personnel', 'management_document', 'data_resource'].includes(category) ? null : `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
          model: null,
          version: null,
          location: null,
          importance: rng.weighted([['key', 3], ['important', 5], ['general', 2]] as const),
          selected: true,
          notes: null,
          created_at: created,
          updated_at: created,
        },
      });
    }
  }
  return { system, level, grading, filing, transitions, objects };
}
