import { expect } from 'chai';
import type { WorkbookData, WorkbookUnit } from '../../reports/workbook/data.js';
import { otherLevel, scoreLevels } from '../../reports/workbook/level.js';
import { CatalogueIndex, LETTER_THRESHOLD, setOfLabel, similarity, SIMILARITY_THRESHOLD, stripItemLetter } from '../../reports/workbook/match.js';
import { sheetKinds } from '../../reports/workbook/sheet-kind.js';
import { normaliseText } from '../../reports/workbook/text.js';
import { withOutsideMapping } from '../../server/assessments/outside-mapping.js';

const unit = (code: string, layer: WorkbookUnit['layer'], cp: string, order: number, text: string, set: WorkbookUnit['set'] = 'general'): WorkbookUnit => ({
  code,
  set,
  layer,
  controlPoint: { zh: cp, en: `${cp} (en)`, order },
  text: { zh: text, en: `${code} (en)` },
});
const UNITS = [
  unit('L3-CES1-01', 'CES', '身份鉴别', 1, '应对登录的用户进行身份标识和鉴别，身份标识具有唯一性，身份鉴别信息具有复杂度要求并定期更换。'),
  unit('L3-CES1-02', 'CES', '身份鉴别', 1, '应具有登录失败处理功能，应配置并启用结束会话、限制非法登录次数和当登录连接超时自动退出等相关措施。'),
  unit('L3-CES1-03', 'CES', '身份鉴别', 1, '当进行远程管理时，应采取必要措施防止鉴别信息在网络传输过程中被窃听。'),
  unit('L3-CES2-01', 'CES', '身份鉴别', 1, '当远程管理云计算平台中设备时，管理终端和云计算平台之间应建立双向身份验证机制。', 'cloud'),
  unit('L3-SMC1-04', 'SMC', '审计管理', 2, '应通过审计管理员对审计记录进行分析，并根据分析结果进行处理，包括根据安全审计策略对审计记录进行存储、管理和查询等。'),
  unit('L3-CMS2-07', 'CMS', '供应链管理', 9, '应将供应链安全事件信息或安全威胁信息及时传达到云服务客户。', 'cloud'),
  unit('L3-CMS2-08', 'CMS', '供应链管理', 9, '应保证供应商的重要变更及时传达到云服务客户，并评估变更带来的安全风险，采取措施对风险进行控制。', 'cloud'),
];

describe('workbook import: item letters and similarity', () => {
  it('strips the item letter in every spelling the field uses, and gives its position', () => {
    for (const [raw, letter] of [
      ['a）应对', 0],
      ['b)应对', 1],
      ['c. 应对', 2],
      ['（d）应对', 3],
      ['  e ）应对', 4],
      ['( f )应对', 5],
      ['ｇ）应对', 6],
      ['B）应对', 1],
    ] as const) {
      expect(stripItemLetter(raw), raw).to.deep.equal({ text: '应对', letter });
    }
    // No letter: plain text, and texts that merely start with Latin words.
    for (const raw of ['应对登录的用户', 'SSL 证书应…', 'IP地址应…']) expect(stripItemLetter(raw)).to.deep.equal({ text: raw, letter: null });
  });

  it('scores wording variants high and other items low (Dice over character bigrams, deterministic)', () => {
    const s = (a: string, b: string) => similarity(normaliseText(a), normaliseText(b));
    expect(s('应对审计记录进行分析', '应对审计记录进行分析')).to.equal(1);
    expect(s(UNITS[4]!.text.zh, UNITS[4]!.text.zh.replace('对审计记录进行分析', '对审计记录应进行分析'))).to.equal(0.97);
    expect(s(UNITS[6]!.text.zh, UNITS[6]!.text.zh.replace('应保证', '应将'))).to.equal(0.94);
    expect(s(UNITS[6]!.text.zh.replace('应保证', '应将'), UNITS[5]!.text.zh)).to.be.below(LETTER_THRESHOLD);
    expect(s(UNITS[0]!.text.zh, UNITS[0]!.text.zh.slice(1))).to.be.at.least(SIMILARITY_THRESHOLD).and.below(1);
    expect(s('', 'x')).to.equal(0);
  });

  it('reads column A: a cloud label however spelled, the general set, or nothing', () => {
    expect(['云计算安全扩展要求', '云计算扩展', '云扩展', 'Cloud computing extension'].map(setOfLabel)).to.deep.equal(['cloud', 'cloud', 'cloud', 'cloud']);
    expect(['安全通用要求', '通用要求', 'General requirements'].map(setOfLabel)).to.deep.equal(['general', 'general', 'general']);
    expect(['', '  ', '其他'].map(setOfLabel)).to.deep.equal([null, null, null]);
  });
});

describe('workbook import: matching a row within its control point', () => {
  const index = new CatalogueIndex(UNITS);

  it('matches exactly, by similarity (with the similarity), and by the letter when the wording differs more', () => {
    expect(index.match('CES', '安全通用要求', '身份鉴别 ', `a）${UNITS[0]!.text.zh}`)).to.deep.include({ ok: true, matchedBy: 'exact', similarity: 1 });
    const variant = index.match('SMC', '', '审计管理', 'b）应通过审计管理员对审计记录应进行分析，并根据分析结果进行处理，包括根据安全审计策略对审计记录进行存储、管理和查询等。');
    expect(variant).to.deep.include({ ok: true, matchedBy: 'similarity', similarity: 0.97 });
    expect(variant.ok && variant.unit.code).to.equal('L3-SMC1-04');
    // Reworded more than the similarity threshold allows: the letter (b = the 2nd item) decides.
    const reworded = index.match('CES', '安全通用要求', '身份鉴别', 'b）应启用登录失败处理功能，并配置结束会话和限制非法登录次数等措施。');
    expect(reworded.ok && [reworded.unit.code, reworded.matchedBy]).to.deep.equal(['L3-CES1-02', 'letter']);
    expect(reworded.ok && reworded.similarity).to.be.within(LETTER_THRESHOLD, SIMILARITY_THRESHOLD);
    // The same text with the wrong letter does not reach the threshold: unmatched, with the nearest unit.
    const wrongLetter = index.match('CES', '安全通用要求', '身份鉴别', 'c）应启用登录失败处理功能，并配置结束会话和限制非法登录次数等措施。');
    expect(wrongLetter).to.deep.include({ ok: false, reason: 'no_matching_requirement' });
    expect(!wrongLetter.ok && wrongLetter.nearest!.code).to.equal('L3-CES1-02');
  });

  it('uses the set named in column A, else either set’s control point of the same name', () => {
    const cloudText = `a）${UNITS[3]!.text.zh}`;
    for (const label of ['云计算扩展', '', '安全通用要求']) {
      const m = index.match('CES', label, '身份鉴别', cloudText);
      expect(m.ok && m.unit.code, label).to.equal('L3-CES2-01');
    }
    const m = index.match('CMS', '云计算安全扩展要求', '供应链管理', 'b）应将供应商的重要变更及时传达到云服务客户，并评估变更带来的安全风险，采取措施对风险进行控制。');
    expect(m.ok && [m.unit.code, m.matchedBy, m.similarity]).to.deep.equal(['L3-CMS2-08', 'similarity', 0.94]);
  });

  it('reports an unknown control point with the nearest unit of the layer', () => {
    const m = index.match('CES', '安全通用要求', '网络架构', '应保证网络设备的业务处理能力满足业务高峰期需要。');
    expect(m).to.deep.include({ ok: false, reason: 'unknown_control_point' });
  });
});

describe('workbook import: which sheet holds what', () => {
  const obj = (id: string, name: string, ip: string | null) => ({ id, name, category: 'security_device', ip, version: null, selected: true });
  const data: WorkbookData = {
    assessment: { id: 'a', reportNumber: null, level: 3, status: 'in_progress', systemName: null },
    units: UNITS,
    objects: [obj('1', '防火墙', '10.0.0.1'), obj('2', '堡垒机', '10.0.0.1'), obj('3', '日志审计', '10.0.0.3'), obj('4', '交换机', '10.0.0.4'), obj('5', '交换机', '10.0.0.5')],
    results: [],
  };
  const kindOf = sheetKinds(data);
  const objectOf = (name: string, line: string) => {
    const k = kindOf(name, line, 2);
    return k.kind === 'object' ? [k.object.id, k.by] : k.kind;
  };

  it('matches object sheets by name first; a shared IP decides nothing when the names differ', () => {
    expect(objectOf(' 防火墙  ', 'IP：10.0.0.1  版本：')).to.deep.equal(['1', 'name']);
    expect(objectOf('堡垒机', 'IP：10.0.0.1')).to.deep.equal(['2', 'name']);
    expect(objectOf('安全设备', 'IP：10.0.0.1')).to.equal('unknown');
    // No name matches, the IP is unique: the IP decides; two objects of one name: the IP breaks the tie.
    expect(objectOf('审计系统', 'IP：10.0.0.3 版本：V2')).to.deep.equal(['3', 'ip']);
    expect(objectOf('交换机', 'IP：10.0.0.5')).to.deep.equal(['5', 'ip']);
    expect(objectOf('交换机', 'IP：10.0.0.9')).to.equal('unknown');
  });

  it('recognises layer sheets and the whole-system cloud computing-environment sheet', () => {
    expect(kindOf(' 系统边界 ', '', 1)).to.deep.equal({ kind: 'layer', layer: 'ABS', wholeSystem: false });
    for (const name of ['安全计算环境云扩展', '计算环境（云扩展）', '云计算扩展-安全计算环境 ', 'Computing environment (cloud)']) {
      expect(kindOf(name, 'IP：10.9.9.9', 2), name).to.deep.equal({ kind: 'layer', layer: 'CES', wholeSystem: true });
    }
  });
});

describe('workbook import: the level of a file', () => {
  it('names another level only when it explains the file clearly better', () => {
    const s = (level: number, score: number, matched: number, rows = 300) => ({ level, score, matched, rows });
    expect(otherLevel([s(3, 0.97, 290), s(4, 0.88, 286)], 4)).to.deep.equal(s(3, 0.97, 290));
    expect(otherLevel([s(3, 0.97, 290), s(4, 0.88, 286)], 3)).to.equal(null);
    expect(otherLevel([s(4, 0.9, 100), s(3, 0.87, 100)], 3)).to.equal(null); // within the margin
    expect(otherLevel([s(4, 0.9, 90), s(3, 0.8, 100)], 3)).to.equal(null); // explains fewer rows
    // A handful of rows exists at several levels alike: too few to name another level.
    expect(otherLevel([s(2, 1, 1, 1), s(3, 0.5, 1, 1)], 3)).to.equal(null);
    expect(otherLevel([s(2, 1, 19, 19), s(3, 0.5, 19, 19)], 3)).to.equal(null);
    expect(otherLevel([s(2, 1, 20, 20), s(3, 0.5, 20, 20)], 3)).to.deep.equal(s(2, 1, 20, 20));
  });

  it('scores a file against each level’s catalogue', () => {
    const l4 = UNITS.map((u) => ({ ...u, code: u.code.replace('L3', 'L4') }));
    l4.push(unit('L4-CES1-04', 'CES', '身份鉴别', 1, '应采用口令、密码技术、生物技术等两种或两种以上组合的鉴别技术对用户进行身份鉴别。'));
    const sheet = {
      name: '安全计算环境云扩展',
      headerRow: 2,
      firstLine: '',
      rows: UNITS.filter((u) => u.layer === 'CES').map((u, i) => ({ row: i + 3, set: '', controlPoint: u.controlPoint.zh, text: u.text.zh, record: '', result: '符合', code: '', objectId: '', rowVersion: '', object: '', resultColumn: 'E', recordColumn: 'D' })),
    };
    const data: WorkbookData = { assessment: { id: 'a', reportNumber: null, level: 4, status: 'in_progress', systemName: null }, units: l4, objects: [], results: [] };
    const scores = scoreLevels([sheet], data, new Map([[3, UNITS], [4, l4]]));
    expect(scores.map((x) => x.level)).to.deep.equal([3, 4]);
    expect(scores[0]).to.deep.include({ level: 3, score: 1, matched: 4 });
    expect(scores[1]).to.deep.include({ level: 4, score: 0.8, matched: 4 });
  });
});

describe('scope: rows outside the default mapping', () => {
  const want = [
    { code: 'L3-CES2-01', objectKey: 'o1' },
    { code: 'L3-CES2-01', objectKey: 'o2' },
    { code: 'L3-CES1-01', objectKey: 'o1' },
    { code: 'L4-CES1-32', objectKey: 'system' },
  ];
  const row = (code: string, object_key: string, outside_mapping: unknown) => ({ code, object_key, outside_mapping });

  it('keeps marked rows of selected objects; a whole-system row replaces per-object rows and vice versa', () => {
    const out = withOutsideMapping(
      want,
      [row('L3-CES2-01', 'system', 1), row('L3-CES1-05', 'o1', true), row('L3-CES1-06', 'gone', true), row('L4-CES1-32', 'o1', '1'), row('L3-CES1-01', 'o1', 0)],
      new Set(['o1', 'o2']),
    );
    expect(out).to.deep.equal([
      { code: 'L3-CES1-01', objectKey: 'o1' },
      { code: 'L3-CES2-01', objectKey: 'system' },
      { code: 'L3-CES1-05', objectKey: 'o1' },
      { code: 'L4-CES1-32', objectKey: 'o1' },
    ]);
    expect(withOutsideMapping(want, [], new Set(['o1', 'o2']))).to.deep.equal(want);
  });
});
