import { expect } from 'chai';
import { buildCatalog, controlId } from '../../reports/oscal/catalog.js';
import { NS, uuidV5 } from '../../reports/oscal/common.js';
import { oscalValidator } from '../../reports/oscal/schema-check.js';
import { buildProfile } from '../../reports/oscal/profile.js';
import { shippedCatalogue } from '../../server/catalogue/index.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const UUID_V4_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-[45][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const catalogue = shippedCatalogue();
const T = new Date('2026-11-30T08:00:00.123Z');

describe('OSCAL catalog and profile of the catalogue', () => {
  it('UUID v5 matches the RFC 4122 example (DNS namespace, "python.org") and is stable', () => {
    expect(uuidV5('python.org', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).to.equal('886313e1-3b8a-5372-9b90-0c9aee199e5d');
    expect(uuidV5('catalog:x')).to.equal(uuidV5('catalog:x')).and.match(UUID_V4_V5);
  });

  it('the schema validator refuses what the official schema refuses, naming the JSON path', () => {
    const validator = oscalValidator('catalog');
    const minimal = { catalog: { uuid: uuidV5('m'), metadata: { title: 't', 'last-modified': '2026-11-30T00:00:00Z', version: '1', 'oscal-version': '1.1.3' } } };
    expect(validator.validate(minimal)).to.deep.equal([]);
    const bad = structuredClone(minimal) as Json;
    delete bad.catalog.uuid;
    bad.catalog.metadata['last-modified'] = '2026-11-30T00:00:00';
    bad.catalog.groups = [];
    bad.catalog.colour = 'red';
    expect([...new Set(validator.validate(bad).map((e) => e.path))]).to.have.members(['$.catalog', '$.catalog.metadata.last-modified', '$.catalog.groups', '$.catalog.colour']);
  });

  it('level 3, every set: valid against the OSCAL 1.1.3 catalog schema, layers as groups, control points as controls, one part per test unit', () => {
    const doc = buildCatalog(catalogue, { level: 3, sets: ['general', 'cloud', 'mobile', 'iot', 'ics'] }, T) as Json;
    expect(oscalValidator('catalog').validate(doc)).to.deep.equal([]);
    const { metadata, groups, uuid } = doc.catalog;
    expect(uuid).to.match(UUID_V4_V5);
    expect(metadata).to.include({ 'last-modified': '2026-11-30T08:00:00Z', version: catalogue.version, 'oscal-version': '1.1.3' });
    expect(metadata.title).to.include('第三级');
    expect(groups.map((g: Json) => g.id)).to.deep.equal(['l3-pes', 'l3-cns', 'l3-abs', 'l3-ces', 'l3-smc', 'l3-pss', 'l3-ors', 'l3-hrs', 'l3-cms', 'l3-mms']);
    const controls = groups.flatMap((g: Json) => g.controls);
    const units = controls.flatMap((c: Json) => c.parts[0].parts);
    const expected = catalogue.query({ level: 3 });
    expect(units.map((u: Json) => u.props.find((p: Json) => p.name === 'unit-code').value)).to.have.members(expected.map((i) => i.code));
    expect(new Set(controls.map((c: Json) => c.id)).size).to.equal(controls.length);
    // L3-CES1-02: 身份鉴别 b) 登录失败处理, with its clause, methods, both languages and test steps.
    const ces = groups.find((g: Json) => g.id === 'l3-ces');
    const item = catalogue.byCode.get('L3-CES1-02')!;
    const control = ces.controls.find((c: Json) => c.id === controlId(item, 1));
    expect(control.id).to.equal('l3-ces1-cp-01');
    expect(control.title).to.equal('身份鉴别');
    expect(control.props).to.deep.include({ name: 'title', ns: NS, value: 'Identification and authentication', class: 'en' });
    const part = control.parts[0].parts.find((p: Json) => p.id === 'l3-ces1-02');
    expect(part.prose).to.equal(item.text.zh);
    expect(part.props).to.deep.include.members([
      { name: 'unit-code', ns: NS, value: 'L3-CES1-02' },
      { name: 'clause', ns: NS, value: item.clause },
      { name: 'level', ns: NS, value: '3' },
      { name: 'requirement-set', ns: NS, value: 'general' },
      ...item.test.methods.map((m) => ({ name: 'method', ns: NS, value: m })),
    ]);
    expect(part.parts[0]).to.deep.include({ name: 'translation', prose: item.text.en });
    expect(part.parts[1].parts.map((s: Json) => s.prose)).to.deep.equal(item.test.steps.map((s) => s.zh));
  });

  it('a re-export gives the same UUIDs and ids; another selection gives another catalog UUID', () => {
    const a = buildCatalog(catalogue, { level: 3, sets: ['general', 'cloud'] }, T) as Json;
    const b = buildCatalog(catalogue, { level: 3, sets: ['general', 'cloud'] }, new Date()) as Json;
    expect(b.catalog.uuid).to.equal(a.catalog.uuid);
    expect(JSON.stringify(b.catalog.groups)).to.equal(JSON.stringify(a.catalog.groups));
    expect((buildCatalog(catalogue, { level: 3, sets: ['general'] }, T) as Json).catalog.uuid).not.to.equal(a.catalog.uuid);
    expect(a.catalog.groups.flatMap((g: Json) => g.controls).some((c: Json) => c.id.startsWith('l3-cns2-'))).to.equal(true);
  });

  it('levels 2 and 4 are valid too', () => {
    for (const level of [2, 4]) expect(oscalValidator('catalog').validate(buildCatalog(catalogue, { level, sets: ['general', 'cloud', 'mobile', 'iot', 'ics'] }, T)), `level ${level}`).to.deep.equal([]);
  });

  it('profile: valid, imports the level\'s catalog and includes exactly the control points of the selected sets', () => {
    const doc = buildProfile(catalogue, { level: 3, sets: ['general', 'cloud'] }, T, '/api/v1/oscal/catalog') as Json;
    expect(oscalValidator('profile').validate(doc)).to.deep.equal([]);
    const [imp] = doc.profile.imports;
    expect(imp.href).to.equal('/api/v1/oscal/catalog?level=3&sets=general,cloud,mobile,iot,ics');
    const ids = imp['include-controls'][0]['with-ids'];
    const catalog = buildCatalog(catalogue, { level: 3, sets: ['general', 'cloud'] }, T) as Json;
    expect(ids).to.have.members(catalog.catalog.groups.flatMap((g: Json) => g.controls.map((c: Json) => c.id)));
    expect(doc.profile.uuid).to.match(UUID_V4_V5);
  });
});
