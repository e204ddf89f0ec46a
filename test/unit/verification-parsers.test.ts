import { expect } from 'chai';
import { parseCsv } from '../../server/verification/csv.js';
import { matchHost } from '../../server/verification/matching.js';
import { parseXml, XML_LIMITS } from '../../server/verification/xml.js';

describe('verification parsers', () => {
  it('reads RFC 4180 CSV: BOM, quoted commas, quotes and line breaks, CRLF, blank lines', () => {
    expect(parseCsv('\uFEFFa,b,c\r\n1,"x, y","say ""hi"""\r\n\r\n2,"two\nlines",\n')).to.deep.equal([
      ['a', 'b', 'c'],
      ['1', 'x, y', 'say "hi"'],
      ['2', 'two\nlines', ''],
    ]);
  });

  it('refuses a DOCTYPE (no entity is declared, resolved or expanded) and bounds the tree', () => {
    expect(() => parseXml('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><r>&b;</r>')).to.throw(/DOCTYPE/);
    expect(() => parseXml('<r>&undeclared;</r>')).to.throw(/not well-formed/);
    expect(() => parseXml('<r><a></r>')).to.throw(/not well-formed/);
    expect(() => parseXml('<a>'.repeat(XML_LIMITS.depth + 2) + '</a>'.repeat(XML_LIMITS.depth + 2))).to.throw(/deeper/);
    const doc = parseXml('<r x="1"><c>t &amp; <![CDATA[<u>]]></c><c/></r>');
    expect(doc.children[0]!.attrs).to.deep.equal({ x: '1' });
    expect(doc.children[0]!.children.map((c) => c.text)).to.deep.equal(['t & <u>', '']);
  });

  it('matches hosts to objects: host name first, then a unique IP; shared IPs without a name stay unmatched', () => {
    const objects = [
      { id: 'a', name: '应用服务器 APP-01', ip: '10.0.0.1' },
      { id: 'b', name: 'WEB-A', ip: '10.0.0.5' },
      { id: 'c', name: 'WEB-B', ip: '10.0.0.5, 10.0.0.6' },
    ];
    expect(matchHost(objects, '10.0.0.1', null)).to.deep.equal({ objectId: 'a', by: 'ip' });
    expect(matchHost(objects, '10.9.9.9', 'app-01.city.local')).to.deep.equal({ objectId: 'a', by: 'hostname' });
    expect(matchHost(objects, '10.0.0.5', 'web-b')).to.deep.equal({ objectId: 'c', by: 'hostname' });
    expect(matchHost(objects, '10.0.0.5', null)).to.deep.equal({ objectId: null, reason: 'ambiguous' });
    expect(matchHost(objects, '10.0.0.6', null)).to.deep.equal({ objectId: 'c', by: 'ip' });
    expect(matchHost(objects, '10.1.1.1', 'unknown')).to.deep.equal({ objectId: null, reason: 'no_object' });
  });
});
