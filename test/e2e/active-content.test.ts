import { expect } from 'chai';
import type { Express } from 'express';
import { createTestApp, signIn, type Agent } from '../utils/app.js';
import { describeEachEngine } from '../utils/each-engine.js';
import { binary } from '../utils/http.js';
import { png } from '../utils/files.js';

const ACTIVE: Array<[string, string, string]> = [
  ['page.html', '<!DOCTYPE html><html><body><script>fetch("/api/v1/users")</script></body></html>', 'text/html'],
  ['diagram.svg', '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.cookie)"><circle r="4"/></svg>', 'image/svg+xml'],
  ['page.xhtml', '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body><script>alert(1)</script></body></html>', 'application/xhtml+xml'],
  ['config.xml', '<?xml version="1.0"?><config><x:script xmlns:x="http://www.w3.org/1999/xhtml">alert(1)</x:script></config>', 'application/xhtml+xml'],
];

describeEachEngine('active content (HTML, XHTML, SVG with script) as evidence: download only, flagged', (ctx) => {
  let app: Express;
  let consultant: Agent, auditor: Agent;

  before(async function () {
    this.timeout(60_000);
    app = await createTestApp(ctx.db);
    consultant = await signIn(app, 'consultant');
    auditor = await signIn(app, 'auditor');
  });

  it('stores them, flags them, and serves them only as sandboxed attachments with nosniff', async () => {
    for (const [name, content, mediaType] of ACTIVE) {
      const up = await consultant.post('/api/v1/evidence').field('title', `Active ${name}`).field('kind', 'other').attach('file', Buffer.from(content), name).expect(201);
      expect(up.body.currentVersion, name).to.include({ mediaType, activeContent: true });
      const dl = await auditor.get(`/api/v1/evidence/${up.body.id}/download`).buffer(true).parse(binary).expect(200);
      expect(dl.headers['content-disposition'], name).to.match(/^attachment;/);
      expect(dl.headers['x-content-type-options'], name).to.equal('nosniff');
      const csp = String(dl.headers['content-security-policy']);
      expect(csp, name).to.contain('sandbox');
      expect(csp, name).to.contain("default-src 'none'");
      expect(csp, name).not.to.contain('script-src');
      const v1 = await auditor.get(`/api/v1/evidence/${up.body.id}/versions/1/download`).buffer(true).parse(binary).expect(200);
      expect(v1.headers['content-disposition']).to.match(/^attachment;/);
      expect(String(v1.headers['content-security-policy'])).to.contain('sandbox');
    }
    // A plain XML configuration export and a PNG are not flagged.
    const xml = await consultant.post('/api/v1/evidence').field('title', 'Switch config').field('kind', 'configuration').attach('file', Buffer.from('<?xml version="1.0"?><config><interface name="ge0/1" online="yes"/></config>'), 'switch.xml').expect(201);
    expect(xml.body.currentVersion).to.include({ mediaType: 'application/xml', activeContent: false });
    const image = await consultant.post('/api/v1/evidence').field('title', 'Screenshot').field('kind', 'screenshot').attach('file', png(9300), 's.png').expect(201);
    expect(image.body.currentVersion.activeContent).to.equal(false);
  });

  it('shows an "active content, download only" badge in the evidence list and on the record page', async () => {
    const list = await consultant.get('/evidence').expect(200);
    const rows = list.text.split('<tr').filter((r) => r.includes('/evidence/'));
    const row = (title: string) => rows.find((r) => r.includes(`>${title}<`)) ?? '';
    for (const [name] of ACTIVE) expect(row(`Active ${name}`), name).to.contain('含活动内容，仅供下载');
    expect(row('Switch config')).not.to.contain('含活动内容');
    expect(row('Screenshot')).not.to.contain('含活动内容');
    const svg = (await consultant.get('/api/v1/evidence?q=diagram.svg').expect(200)).body.data[0] ?? (await consultant.get('/api/v1/evidence?q=Active').expect(200)).body.data.find((e: { title: string }) => e.title === 'Active diagram.svg');
    const page = await consultant.get(`/evidence/${svg.id}?lang=en`).expect(200);
    expect(page.text).to.contain('Active content, download only');
    // The page only links to the download; the file is never embedded.
    expect(page.text).not.to.match(/<(img|iframe|object|embed)[^>]+\/api\/v1\/evidence\//);
  });
});
