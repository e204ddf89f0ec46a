import { expect } from 'chai';
import { parsePastedObjects } from '../../server/assessments/object-paste.js';

const categories = [
  { code: 'server_storage', zh: '服务器/存储设备', en: 'Server / storage device' },
  { code: 'network_device', zh: '网络设备', en: 'Network device' },
  { code: 'mobile_app', zh: '移动应用软件', en: 'Mobile application' },
];

describe('assessed objects pasted from a spreadsheet', () => {
  it('reads tab-separated rows as Excel copies them, by Chinese name, part of a name or code, skipping the header', () => {
    const text = '类别\t名称\tIP\t版本\t重要程度\n服务器/存储设备\t核心数据库\t10.0.0.5\tOracle 19c\t关键\n网络设备\t核心交换机\t10.0.0.1\t\t重要\n服务器\tWeb 服务器\t\t\t\nmobile_app\t掌上城市\n';
    const { objects, errors } = parsePastedObjects(text, categories);
    expect(errors).to.deep.equal([]);
    expect(objects).to.deep.equal([
      { category: 'server_storage', name: '核心数据库', ip: '10.0.0.5', version: 'Oracle 19c', importance: 'key' },
      { category: 'network_device', name: '核心交换机', ip: '10.0.0.1', version: null, importance: 'important' },
      { category: 'server_storage', name: 'Web 服务器', ip: null, version: null, importance: 'general' },
      { category: 'mobile_app', name: '掌上城市', ip: null, version: null, importance: 'general' },
    ]);
  });

  it('reads comma-separated rows (also the Chinese comma) and English names', () => {
    const { objects, errors } = parsePastedObjects('Network device, FW-01, 10.1.1.1, v5, key\n网络设备，SW-02', categories);
    expect(errors).to.deep.equal([]);
    expect(objects.map((o) => [o.category, o.name, o.importance])).to.deep.equal([['network_device', 'FW-01', 'key'], ['network_device', 'SW-02', 'general']]);
  });

  it('names every bad line with its reason', () => {
    const { errors } = parsePastedObjects('打印机\tP1\n网络设备\t\t10.0.0.1\n网络设备\tSW\t\t\t很重要\n只有一列\n网络设备\tOK', categories);
    expect(errors.map((e) => [e.line, e.rule, e.params])).to.deep.equal([
      [1, 'paste_category', { value: '打印机' }],
      [2, 'paste_name', {}],
      [3, 'paste_importance', { value: '很重要' }],
      [4, 'paste_columns', { count: 1 }],
    ]);
  });
});
