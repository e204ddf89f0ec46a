import { expect } from 'chai';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CatalogueError, loadCatalogue, shippedCatalogue } from '../../server/catalogue/index.js';
import { SETS, type RequirementSet } from '../../server/catalogue/schema.js';
import { validateControls } from '../../server/controls/validate.js';
import { ROOT, runCli } from '../utils/process.js';

const catalogue = shippedCatalogue();
// The project's copy of the reference structure counts (fixtures/reference/): the suite never reads outside the repository.
const REFERENCE = path.resolve(ROOT, 'fixtures/reference/mlps-structure.json');

const countsOf = (level: number, set: RequirementSet) => catalogue.counts()[`level${level}`]?.[set] ?? {};

/** Level-4 counts per control point: the project's decisions (controls/README.md), pinned. */
const LEVEL4_GENERAL: Record<string, Record<string, number>> = {
  PES: { 物理位置选择: 2, 物理访问控制: 2, 防盗窃和防破坏: 3, 防雷击: 2, 防火: 3, 防水和防潮: 3, 防静电: 2, 温湿度控制: 1, 电力供应: 4, 电磁防护: 2 },
  CNS: { 网络架构: 6, 通信传输: 4, 可信验证: 1 },
  ABS: { 边界防护: 6, 访问控制: 5, 入侵防范: 4, 恶意代码和垃圾邮件防范: 2, 安全审计: 3, 可信验证: 1 },
  CES: { 身份鉴别: 4, 访问控制: 7, 安全审计: 4, 入侵防范: 6, 恶意代码防范: 1, 可信验证: 1, 数据完整性: 3, 数据保密性: 2, 数据备份恢复: 4, 剩余信息保护: 2, 个人信息保护: 2 },
  SMC: { 系统管理: 2, 审计管理: 2, 安全管理: 2, 集中管控: 7 },
  PSS: { 安全策略: 1, 管理制度: 3, 制定和发布: 2, 评审和修订: 1 },
  ORS: { 岗位设置: 3, 人员配备: 3, 授权和审批: 3, 沟通和合作: 3, 审核和检查: 3 },
  HRS: { 人员录用: 4, 人员离岗: 2, 安全意识教育和培训: 3, 外部人员访问管理: 5 },
  CMS: { 定级和备案: 4, 安全方案设计: 3, 产品采购和使用: 4, 自行软件开发: 7, 外包软件开发: 3, 工程实施: 3, 测试验收: 2, 系统交付: 3, 等级测评: 3, 服务供应商选择: 3 },
  MMS: { 环境管理: 4, 资产管理: 3, 介质管理: 2, 设备维护管理: 4, 漏洞和风险管理: 2, 网络和系统安全管理: 10, 恶意代码防范管理: 2, 配置管理: 2, 密码管理: 3, 变更管理: 3, 备份与恢复管理: 3, 安全事件处置: 5, 应急预案管理: 5, 外包运维管理: 4 },
};
const LEVEL4_CLOUD: Record<string, Record<string, number>> = {
  PES: { 基础设施位置: 1 },
  CNS: { 网络架构: 8 },
  ABS: { 访问控制: 2, 入侵防范: 4, 安全审计: 2 },
  CES: { 身份鉴别: 1, 访问控制: 2, 入侵防范: 3, 镜像和快照保护: 3, 数据完整性和保密性: 4, 数据备份恢复: 4, 剩余信息保护: 2 },
  SMC: { 集中管控: 4 },
  CMS: { 云服务商选择: 5, 供应链管理: 3 },
  MMS: { 云计算环境管理: 1 },
};

/** Level-2 general counts per control point (135): the reference's level2Items; 7.1.3.4 under its level-2 name 恶意代码防范. */
const LEVEL2_GENERAL: Record<string, Record<string, number>> = {
  PES: { 物理位置选择: 2, 物理访问控制: 1, 防盗窃和防破坏: 2, 防雷击: 1, 防火: 2, 防水和防潮: 2, 防静电: 1, 温湿度控制: 1, 电力供应: 2, 电磁防护: 1 },
  CNS: { 网络架构: 2, 通信传输: 1, 可信验证: 1 },
  ABS: { 边界防护: 1, 访问控制: 4, 入侵防范: 1, 恶意代码防范: 1, 安全审计: 3, 可信验证: 1 },
  CES: { 身份鉴别: 3, 访问控制: 4, 安全审计: 3, 入侵防范: 5, 恶意代码防范: 1, 可信验证: 1, 数据完整性: 1, 数据备份恢复: 2, 剩余信息保护: 1, 个人信息保护: 2 },
  SMC: { 系统管理: 2, 审计管理: 2 },
  PSS: { 安全策略: 1, 管理制度: 2, 制定和发布: 2, 评审和修订: 1 },
  ORS: { 岗位设置: 2, 人员配备: 1, 授权和审批: 2, 沟通和合作: 3, 审核和检查: 1 },
  HRS: { 人员录用: 2, 人员离岗: 1, 安全意识教育和培训: 1, 外部人员访问管理: 3 },
  CMS: { 定级和备案: 4, 安全方案设计: 3, 产品采购和使用: 2, 自行软件开发: 2, 外包软件开发: 2, 工程实施: 2, 测试验收: 2, 系统交付: 3, 等级测评: 3, 服务供应商选择: 2 },
  MMS: { 环境管理: 3, 资产管理: 1, 介质管理: 2, 设备维护管理: 2, 漏洞和风险管理: 1, 网络和系统安全管理: 5, 恶意代码防范管理: 3, 配置管理: 1, 密码管理: 2, 变更管理: 1, 备份与恢复管理: 3, 安全事件处置: 3, 应急预案管理: 2, 外包运维管理: 2 },
};
/** Level-2 cloud counts (29): the reference gives layer totals only; the split is the project's decision (controls/README.md). */
const LEVEL2_CLOUD: Record<string, Record<string, number>> = {
  PES: { 基础设施位置: 1 },
  CNS: { 网络架构: 3 },
  ABS: { 访问控制: 2, 入侵防范: 3, 安全审计: 2 },
  CES: { 访问控制: 2, 镜像和快照保护: 2, 数据完整性和保密性: 3, 数据备份恢复: 2, 剩余信息保护: 2 },
  CMS: { 云服务商选择: 4, 供应链管理: 2 },
  MMS: { 云计算环境管理: 1 },
};
/** Extension sets per level (mobile 移动互联, iot 物联网, ics 工业控制): the project's decisions (controls/README.md), pinned. */
const EXTENSIONS_PINNED: Record<'mobile' | 'iot' | 'ics', Record<2 | 3 | 4, Record<string, Record<string, number>>>> = {
  mobile: {
    2: { PES: { 无线接入点的物理位置: 1 }, ABS: { 边界防护: 1, 访问控制: 1, 入侵防范: 5 }, CES: { 移动应用管控: 2 }, CMS: { 移动应用软件采购: 2, 移动应用软件开发: 2 } },
    3: { PES: { 无线接入点的物理位置: 1 }, ABS: { 边界防护: 1, 访问控制: 1, 入侵防范: 6 }, CES: { 移动终端管控: 2, 移动应用管控: 3 }, CMS: { 移动应用软件采购: 2, 移动应用软件开发: 2 }, MMS: { 配置管理: 1 } },
    4: { PES: { 无线接入点的物理位置: 1 }, ABS: { 边界防护: 1, 访问控制: 1, 入侵防范: 6 }, CES: { 移动终端管控: 3, 移动应用管控: 4 }, CMS: { 移动应用软件采购: 2, 移动应用软件开发: 2 }, MMS: { 配置管理: 1 } },
  },
  iot: {
    2: { PES: { 感知节点设备物理防护: 2 }, ABS: { 接入控制: 1, 入侵防范: 2 }, MMS: { 感知节点管理: 2 } },
    3: { PES: { 感知节点设备物理防护: 4 }, ABS: { 接入控制: 1, 入侵防范: 2 }, CES: { 感知节点设备安全: 3, 网关节点设备安全: 4, 抗数据重放: 2, 数据融合处理: 1 }, MMS: { 感知节点管理: 3 } },
    4: { PES: { 感知节点设备物理防护: 4 }, ABS: { 接入控制: 1, 入侵防范: 2 }, CES: { 感知节点设备安全: 3, 网关节点设备安全: 4, 抗数据重放: 2, 数据融合处理: 2 }, MMS: { 感知节点管理: 3 } },
  },
  ics: {
    2: { PES: { 室外控制设备物理防护: 2 }, CNS: { 网络架构: 3, 通信传输: 1 }, ABS: { 访问控制: 2, 拨号使用控制: 1, 无线使用控制: 2 }, CES: { 控制设备安全: 2 }, CMS: { 产品采购和使用: 1, 外包软件开发: 1 } },
    3: { PES: { 室外控制设备物理防护: 2 }, CNS: { 网络架构: 3, 通信传输: 1 }, ABS: { 访问控制: 2, 拨号使用控制: 2, 无线使用控制: 4 }, CES: { 控制设备安全: 5 }, CMS: { 产品采购和使用: 1, 外包软件开发: 1 } },
    4: { PES: { 室外控制设备物理防护: 2 }, CNS: { 网络架构: 3, 通信传输: 1 }, ABS: { 访问控制: 2, 拨号使用控制: 3, 无线使用控制: 4 }, CES: { 控制设备安全: 5 }, CMS: { 产品采购和使用: 1, 外包软件开发: 1 } },
  },
};

const total = (t: Record<string, Record<string, number>>) => Object.values(t).flatMap(Object.values).reduce((a, b) => a + b, 0);

describe('catalogue data', () => {
  describe('coverage', () => {
    it('level 3 general and cloud match the verified reference per control point', function () {
      if (!existsSync(REFERENCE)) throw new Error(`reference not found at ${REFERENCE}`);
      const ref = JSON.parse(readFileSync(REFERENCE, 'utf8')) as {
        layers: Array<{ code: string; controlPoints: Array<{ zh: string; level3Items: number }>; cloudLevel3?: Array<{ zh: string; items: number }> }>;
        totals: { level3General: number; level3ControlPoints: number; level3Cloud: number };
      };
      const general = countsOf(3, 'general');
      const cloud = countsOf(3, 'cloud');
      for (const layer of ref.layers) {
        expect(general[layer.code], layer.code).to.deep.equal(Object.fromEntries(layer.controlPoints.map((c) => [c.zh, c.level3Items])));
        const refCloud = Object.fromEntries((layer.cloudLevel3 ?? []).map((c) => [c.zh, c.items]));
        expect(cloud[layer.code] ?? {}, `${layer.code} cloud`).to.deep.equal(refCloud);
      }
      expect(total(general)).to.equal(ref.totals.level3General).and.to.equal(211);
      expect(Object.values(general).flatMap(Object.keys)).to.have.length(ref.totals.level3ControlPoints).and.to.have.length(71);
      expect(total(cloud)).to.equal(ref.totals.level3Cloud).and.to.equal(46);
    });

    it('level 4 general and cloud match the pinned counts per control point', () => {
      expect(countsOf(4, 'general')).to.deep.equal(LEVEL4_GENERAL);
      expect(countsOf(4, 'cloud')).to.deep.equal(LEVEL4_CLOUD);
      expect(total(LEVEL4_GENERAL)).to.equal(228);
      expect(total(LEVEL4_CLOUD)).to.equal(49);
    });

    it('level 2 general matches the reference per control point, 7.1.3.4 under its level-2 name', () => {
      const ref = JSON.parse(readFileSync(REFERENCE, 'utf8')) as {
        layers: Array<{ code: string; controlPoints: Array<{ zh: string; level2Items: number | null }>; cloudLevel2Items: number }>;
        totals: { level2General: number; level2Cloud: number };
      };
      const general = countsOf(2, 'general');
      for (const layer of ref.layers) {
        const want = Object.fromEntries(
          layer.controlPoints
            .filter((c) => c.level2Items !== null)
            // The reference lists the boundary's malicious-code point under its level-3 name; at level 2 the standard calls it 恶意代码防范.
            .map((c) => [layer.code === 'ABS' && c.zh === '恶意代码和垃圾邮件防范' ? '恶意代码防范' : c.zh, c.level2Items]),
        );
        expect(general[layer.code], layer.code).to.deep.equal(want);
        // Cloud: the reference has layer totals only.
        expect(total({ x: countsOf(2, 'cloud')[layer.code] ?? {} }), `${layer.code} cloud`).to.equal(layer.cloudLevel2Items);
      }
      expect(general).to.deep.equal(LEVEL2_GENERAL);
      expect(countsOf(2, 'cloud')).to.deep.equal(LEVEL2_CLOUD);
      expect(total(LEVEL2_GENERAL)).to.equal(ref.totals.level2General).and.to.equal(135);
      expect(total(LEVEL2_CLOUD)).to.equal(ref.totals.level2Cloud).and.to.equal(29);
    });

    it('the mobile, IoT and industrial-control sets match the pinned counts per level and control point', () => {
      for (const set of ['mobile', 'iot', 'ics'] as const) {
        for (const level of [2, 3, 4] as const) expect(countsOf(level, set), `level ${level} ${set}`).to.deep.equal(EXTENSIONS_PINNED[set][level]);
      }
      const totals = (set: 'mobile' | 'iot' | 'ics') => ([2, 3, 4] as const).map((l) => total(EXTENSIONS_PINNED[set][l]));
      expect(totals('mobile')).to.deep.equal([14, 19, 21]);
      expect(totals('iot')).to.deep.equal([7, 20, 21]);
      expect(totals('ics')).to.deep.equal([15, 21, 22]);
      expect(catalogue.items).to.have.length(858);
    });

    it('controls/expected-counts.yaml agrees with the data (what the CLI checks)', () => {
      const report = validateControls();
      expect(report.problems).to.deep.equal([]);
      expect(report.ok).to.equal(true);
    });
  });

  describe('items', () => {
    it('have unique, well-formed codes matching their level, layer and set', () => {
      const codes = catalogue.items.map((i) => i.code);
      expect(new Set(codes).size).to.equal(codes.length);
      for (const i of catalogue.items) {
        expect(i.code).to.match(/^L[234]-(PES|CNS|ABS|CES|SMC|PSS|ORS|HRS|CMS|MMS)[1-5]-\d{2}$/);
        // GB/T 28448 set digit: 1 general, 2 cloud, 3 mobile, 4 IoT, 5 industrial control; the clause is in x.<digit>.
        const digit = SETS.indexOf(i.set) + 1;
        expect(i.code.startsWith(`L${i.level}-${i.layer}${digit}-`), i.code).to.equal(true);
        expect(i.clause.startsWith(`${i.level + 5}.${digit}.`), `${i.code} ${i.clause}`).to.equal(true);
      }
    });

    it('keep the documented numbering gap L3-CES1-16 and no other', () => {
      expect(catalogue.byCode.has('L3-CES1-16')).to.equal(false);
      expect(catalogue.byCode.get('L3-CES1-17')?.controlPoint.zh).to.equal('入侵防范');
      const ces = catalogue.query({ level: 3, set: 'general', layer: 'CES' }).map((i) => Number(i.code.slice(-2)));
      expect(ces).to.have.length(34);
      expect(ces.at(-1)).to.equal(35);
    });

    it('are complete in zh and en, with a method, a step, an object category and a weight', () => {
      for (const i of catalogue.items) {
        const where = i.code;
        expect(i.text.zh, where).to.match(/[\u4e00-\u9fff]/);
        expect(i.text.en, where).to.match(/^[\x20-\x7e‘’“”–—…]+$/);
        expect(i.controlPoint.en, where).to.have.length.greaterThan(2);
        expect(i.test.methods, where).to.have.length.greaterThan(0);
        expect(i.test.steps, where).to.have.length.greaterThan(0);
        for (const s of i.test.steps) expect(s.zh && s.en, where).to.be.a('string').and.not.equal('');
        expect(i.test.evidence.zh.length, where).to.equal(i.test.evidence.en.length);
        expect(i.objectCategories, where).to.have.length.greaterThan(0);
        expect([1, 0.7, 0.4], where).to.include(i.weightValue);
        expect(i.domains, where).to.have.length.greaterThan(0);
        expect(i.source, where).to.be.a('string').and.have.length.greaterThan(20);
      }
    });

    it('map layers to the seed domains, CES by object category', () => {
      expect(catalogue.byCode.get('L3-PES1-01')!.domains).to.deep.equal(['physical']);
      expect(catalogue.byCode.get('L3-ABS1-01')!.domains).to.deep.equal(['network']);
      expect(catalogue.byCode.get('L3-MMS1-01')!.domains).to.deep.equal(['management']);
      expect(catalogue.byCode.get('L3-CES1-01')!.domains).to.have.members(['device', 'application']);
      const personal = catalogue.query({ level: 3, layer: 'CES', controlPoint: '个人信息保护' });
      for (const i of personal) expect(i.domains).to.deep.equal(['application']);
    });

    it('give provider responsibility for the physical environment to cloud tenants', () => {
      for (const set of ['general', 'cloud'] as const) for (const i of catalogue.query({ layer: 'PES', set })) expect(i.cloudResponsibility, i.code).to.equal('provider');
      // The extensions' physical items concern the owner's own access points, sensors and field devices, not the cloud's rooms.
      for (const set of ['mobile', 'iot', 'ics'] as const) for (const i of catalogue.query({ layer: 'PES', set })) expect(i.cloudResponsibility, i.code).to.equal('tenant');
    });

    it('test extension units on their own object categories, with their domains', () => {
      expect(catalogue.byCode.get('L3-ABS3-04')!.objectCategories).to.deep.equal(['wireless_access_point']);
      expect(catalogue.byCode.get('L3-CES3-01')!.objectCategories).to.have.members(['mobile_terminal', 'mdm']);
      expect(catalogue.byCode.get('L3-CES4-05')!.objectCategories).to.deep.equal(['gateway_node']);
      expect(catalogue.byCode.get('L3-CES5-01')!.objectCategories).to.deep.equal(['control_device']);
      expect(catalogue.byCode.get('L3-CES5-01')!.domains).to.deep.equal(['device']);
      expect(catalogue.byCode.get('L3-PES5-01')!.domains).to.deep.equal(['physical']);
      const codes = new Set(catalogue.meta.objectCategories.map((c) => c.code));
      for (const c of ['wireless_access_point', 'mobile_terminal', 'mobile_app', 'mdm', 'sensor_node', 'gateway_node', 'field_device', 'control_device']) expect(codes.has(c as never), c).to.equal(true);
    });
  });

  describe('high-risk cases', () => {
    it('has the 81 cases of the 2025 guide by extension', () => {
      const by = (e: string) => catalogue.highRiskCases.filter((c) => c.extension === e).length;
      expect(catalogue.highRiskCases).to.have.length(81);
      expect([by('general'), by('cloud'), by('mobile'), by('iot'), by('ics')]).to.deep.equal([42, 16, 10, 4, 9]);
    });

    it('resolves every case to units at each level it names, level 2 and the extension sets included', () => {
      let level2Refs = 0;
      for (const c of catalogue.highRiskCases) {
        expect(c.units, c.id).to.have.length.greaterThan(0);
        expect(c.unresolved, c.id).to.deep.equal([]);
        const digit = SETS.indexOf(c.extension) + 1;
        for (const ref of c.clauses) {
          if (ref.level === 2) level2Refs++;
          // The unit sits in the case's own requirement set at that level.
          expect(c.units.some((u) => u.startsWith(`L${ref.level}-${c.layer}${digit}-`)), `${c.id} L${ref.level}`).to.equal(true);
        }
      }
      expect(level2Refs).to.equal(34);
      expect(catalogue.highRiskCases.filter((c) => ['mobile', 'iot', 'ics'].includes(c.extension))).to.have.length(23);
    });

    it('links the level-2 and extension cases to their units', () => {
      const units = (id: string) => catalogue.highRiskCases.find((c) => c.id === id)!.units;
      expect(units('6.4.1.1')).to.include('L2-CES1-01'); // weak passwords
      expect(units('6.10.1.1')).to.include.members(['L2-MMS1-28', 'L3-MMS1-42']); // emergency plan: L2 a), L3 b)
      expect(units('7.4.3.1')).to.include('L2-CES2-08'); // tenant keeps a local backup
      expect(units('8.2.3.2')).to.have.members(['L2-ABS3-07', 'L3-ABS3-07', 'L4-ABS3-07']); // APs sharing a key
      expect(units('9.2.1.1')).to.have.members(['L2-ABS4-01', 'L3-ABS4-01', 'L4-ABS4-01']); // unauthorised sensor nodes
      expect(units('10.4.1.2')).to.have.members(['L3-CES5-05', 'L4-CES5-05']); // control-device firmware checked before go-live
      expect(units('10.2.1.1')).to.have.members(['L2-CNS5-01', 'L3-CNS5-01', 'L4-CNS5-01']); // ICS isolation
    });

    it('links the weak-password case to the identity unit and weights those units key', () => {
      const weak = catalogue.highRiskCases.find((c) => c.id === '6.4.1.1')!;
      expect(weak.units).to.include.members(['L3-CES1-01', 'L4-CES1-01']);
      expect(catalogue.highRiskCaseIds('L3-CES1-01')).to.include('6.4.1.1');
      for (const c of catalogue.highRiskCases) for (const u of c.units) expect(catalogue.byCode.get(u)!.weight, `${c.id} → ${u}`).to.equal('key');
    });
  });

  describe('search', () => {
    it('finds by Chinese phrase', () => {
      const hits = catalogue.query({ q: '登录失败处理', level: 3 });
      expect(hits.map((i) => i.code)).to.include('L3-CES1-02');
    });
    it('finds by English phrase, case-insensitively', () => {
      expect(catalogue.query({ q: 'Login-Failure handling', level: 3 }).map((i) => i.code)).to.include('L3-CES1-02');
    });
    it('finds by code and by code prefix', () => {
      expect(catalogue.query({ q: 'l3-ces1-02' }).map((i) => i.code)).to.deep.equal(['L3-CES1-02']);
      expect(catalogue.query({ q: 'L4-PES1' })).to.have.length(24);
    });
    it('finds by clause, with or without the space before the letter', () => {
      expect(catalogue.query({ q: '8.1.4.1 b)' }).map((i) => i.code)).to.deep.equal(['L3-CES1-02']);
      expect(catalogue.query({ q: '8.1.4.1b' }).map((i) => i.code)).to.deep.equal(['L3-CES1-02']);
      expect(catalogue.query({ q: '8.1.4.1' })).to.have.length(4);
    });
  });

  describe('broken data', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'dengbao-controls-'));
      cpSync(path.join(ROOT, 'controls'), dir, { recursive: true });
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    const edit = (rel: string, fn: (s: string) => string) => {
      const f = path.join(dir, rel);
      writeFileSync(f, fn(readFileSync(f, 'utf8')));
    };
    const problems = (): string[] => {
      try {
        loadCatalogue(dir);
      } catch (err) {
        expect(err).to.be.instanceOf(CatalogueError);
        return (err as CatalogueError).problems;
      }
      throw new Error('expected the catalogue to be rejected');
    };

    it('names the file, the item and the field of a missing field', () => {
      edit('gbt22239-2019/level3/general/CES.yaml', (s) => s.replace(/\n {8}weight: key\n/, '\n'));
      const p = problems();
      expect(p.some((x) => x.includes('gbt22239-2019/level3/general/CES.yaml') && x.includes('item L3-CES1-01') && x.includes('weight')), p.join('\n')).to.equal(true);
    });

    it('reports a duplicate code with both places', () => {
      edit('gbt22239-2019/level3/general/PES.yaml', (s) => s.replace('code: L3-PES1-02', 'code: L3-PES1-01'));
      const p = problems();
      expect(p.some((x) => x.includes('L3-PES1-01') && x.includes('duplicate')), p.join('\n')).to.equal(true);
    });

    it('rejects unknown keys', () => {
      edit('gbt22239-2019/level3/general/PES.yaml', (s) => s.replace('        weight: ', '        wieght: general\n        weight: '));
      expect(problems().join('\n')).to.contain('wieght');
    });

    it('`dengbao catalogue validate` exits 0 on the shipped data and 1 on a broken copy', async () => {
      const good = await runCli(['catalogue', 'validate'], {});
      expect(good.code, good.stderr).to.equal(0);
      expect(good.stdout).to.contain('858 units');
      expect(good.stdout).to.contain('level 2: 135 general + 29 cloud + 14 mobile + 7 iot + 15 ics');
      edit('gbt22239-2019/level4/cloud/MMS.yaml', (s) => s.replace(/zh: "?云计算环境管理"?/, 'zh: 云环境管理'));
      const bad = await runCli(['catalogue', 'validate', '--dir', dir], {});
      expect(bad.code).to.equal(1);
      expect(bad.stderr).to.contain('level4 / cloud / MMS');
    });

    it('`catalogue validate` fails on a high-risk clause that resolves to nothing', () => {
      expect(validateControls(dir).problems).to.deep.equal([]);
      // An IoT case pointing at a clause no item has (level 3 sensor-node security has a)–c) only).
      edit('high-risk-cases.yaml', (s) => s.replace('{ level: 3, clause: "8.4.3.1 a)" }', '{ level: 3, clause: "8.4.3.1 f)" }'));
      const report = validateControls(dir);
      expect(report.ok).to.equal(false);
      expect(report.problems).to.deep.equal(['high-risk case 9.3.1.1: clause L3 8.4.3.1 f) matches no item']);
      // A level the catalogue does not hold is reported too, and a case left with no unit says so.
      edit('high-risk-cases.yaml', (s) => s.replace(/\{ level: [34], clause: "9?8?\.4\.3\.1 [af]\)" \}/g, '{ level: 1, clause: "6.4.3.1 a)" }'));
      expect(validateControls(dir).problems).to.include.members([
        'high-risk case 9.3.1.1: resolves to no test unit',
        'high-risk case 9.3.1.1: clause L1 6.4.3.1 a) names a level the catalogue does not hold',
      ]);
    });

    it('a changed file changes the content hash', () => {
      edit('gbt22239-2019/level3/general/PES.yaml', (s) => s + '\n# edited\n');
      expect(loadCatalogue(dir).contentHash).not.to.equal(catalogue.contentHash);
    });
  });
});
