import { expect } from 'chai';
import { sanitiseFileName, sniffMediaType } from '../../server/storage/media-type.js';
import { elf, pdf, png } from '../utils/files.js';

describe('evidence file names and media types', () => {
  it('sanitises client file names for display', () => {
    expect(sanitiseFileName('../../etc/passwd')).to.equal('passwd');
    expect(sanitiseFileName('C:\\x\\report.pdf')).to.equal('report.pdf');
    expect(sanitiseFileName('a\u0000b\u001f\u007fc.txt')).to.equal('abc.txt');
    expect(sanitiseFileName('..')).to.equal('evidence');
    expect(sanitiseFileName(undefined)).to.equal('evidence');
    expect(sanitiseFileName('x'.repeat(300) + '.xlsx')).to.have.length(200).and.match(/\.xlsx$/);
    expect(sanitiseFileName('拓扑图 v2.png')).to.equal('拓扑图 v2.png');
  });

  it('sniffs from the content, whatever the name says', async () => {
    expect(await sniffMediaType(png(), 'a.pdf')).to.equal('image/png');
    expect(await sniffMediaType(pdf(), 'a.png')).to.equal('application/pdf');
    expect(await sniffMediaType(elf(), 'a.txt')).to.equal('application/x-elf');
    expect(await sniffMediaType(Buffer.from('{"a":1}'), 'a.txt')).to.equal('text/plain');
    expect(await sniffMediaType(Buffer.from('{"a":1}'), 'export.json')).to.equal('application/json');
    expect(await sniffMediaType(Buffer.from('<?xml version="1.0"?><a/>'), 'x')).to.equal('application/xml');
    expect(await sniffMediaType(Buffer.from('a,b\n1,2\n'), 'x.csv')).to.equal('text/csv');
    expect(await sniffMediaType(Buffer.from('key: value\n'), 'x.yaml')).to.equal('application/yaml');
    expect(await sniffMediaType(Buffer.from('中文配置说明\n'), 'x.txt')).to.equal('text/plain');
    expect(await sniffMediaType(Buffer.from([0x00, 0x01, 0x02, 0xff]), 'x.txt')).to.equal(undefined);
  });
});
