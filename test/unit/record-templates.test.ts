import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fillTemplate, readRecordTemplates, recordTemplates } from '../../server/assessments/record-templates.js';

describe('record templates (controls/record-templates.yaml)', () => {
  it('ships one template per test method in both languages, filled with the object', () => {
    const ts = recordTemplates();
    expect(ts.map((t) => t.method).sort()).to.deep.equal(['inspection', 'interview', 'testing']);
    const interview = ts.find((t) => t.method === 'interview')!;
    expect(fillTemplate(interview, 'zh-CN', { object: '数据库服务器 DB-01', unit: 'L3-CES1-01' })).to.match(/^访谈数据库服务器 DB-01/);
    expect(fillTemplate(interview, 'en', { object: 'DB-01', unit: 'L3-CES1-01' })).to.contain('DB-01').and.not.to.contain('{object}');
  });

  it('refuses a file with an unknown method or two templates for one method, naming the problem', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dengbao-tpl-'));
    try {
      const file = path.join(dir, 't.yaml');
      writeFileSync(file, 'templates:\n  - { method: survey, zh: 问卷, en: Survey }\n');
      expect(() => readRecordTemplates(file)).to.throw(/method/);
      writeFileSync(file, 'templates:\n  - { method: testing, zh: 测试, en: Test }\n  - { method: testing, zh: 测试2, en: Test 2 }\n');
      expect(() => readRecordTemplates(file)).to.throw(/one template per method/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
