import { createHmac } from 'node:crypto';
import type { Express } from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import yazl from 'yazl';
import { DEMO_PASSWORD } from './app.js';

/** The app listening on a real port (for raw bodies over a socket). */
export async function listen(app: Express): Promise<{ url: string; port: number; close(): Promise<void> }> {
  const server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** Sends `body` as is (a truncated multipart body stays truncated) and reads the answer. */
export function rawRequest(base: string, method: string, path: string, headers: Record<string, string | number>, body?: Buffer | string, timeoutMs = 60_000): Promise<RawResponse> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path: url.pathname + url.search, headers, timeout: timeoutMs, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer to ${method} ${path} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Signs in over HTTP; returns the Cookie header (session + a CSRF seed) and the CSRF token for pages. */
export async function cookieFor(base: string, username: string, sessionSecret = 'test-secret-test-secret-test-secret-1234'): Promise<{ cookie: string; csrf: string }> {
  const res = await rawRequest(base, 'POST', '/api/v1/auth/login', { 'content-type': 'application/json' }, JSON.stringify({ username, password: DEMO_PASSWORD }));
  if (res.status !== 200) throw new Error(`sign-in as ${username}: ${res.status} ${res.text}`);
  const session = String([res.headers['set-cookie']].flat()[0]).split(';')[0]!;
  const seed = 'csrf-seed-for-hostile-input-tests';
  return { cookie: `${session}; dengbao_csrf=${seed}`, csrf: createHmac('sha256', sessionSecret).update(seed).digest('base64url') };
}

export const BOUNDARY = '----dengbaoHostileBoundary';

/** A multipart body: text fields and optionally one file part; `truncate` drops the closing boundary. */
export function multipart(fields: Record<string, string>, file?: { name: string; content: Buffer; type?: string }, truncate = false): Buffer {
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  if (file) {
    parts.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: ${file.type ?? 'application/octet-stream'}\r\n\r\n`));
    parts.push(file.content);
    if (!truncate) parts.push(Buffer.from('\r\n'));
  }
  if (!truncate) parts.push(Buffer.from(`--${BOUNDARY}--\r\n`));
  return Buffer.concat(parts);
}

export const multipartHeaders = (body: Buffer, cookie: string, extra: Record<string, string> = {}) => ({
  cookie,
  'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
  'content-length': body.length,
  ...extra,
});

/** A zip built with yazl: text entries, or a generator of chunks streamed in (never held whole). */
export async function zip(entries: Record<string, string | { size: number; chunks: () => Iterable<Buffer> }>): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const [name, content] of Object.entries(entries)) {
    if (typeof content === 'string') z.addBuffer(Buffer.from(content), name);
    else {
      const stream = new PassThrough();
      z.addReadStream(stream, name, { size: content.size });
      const it = content.chunks()[Symbol.iterator]();
      const pump = () => {
        for (let next = it.next(); !next.done; next = it.next()) if (!stream.write(next.value)) return void stream.once('drain', pump);
        stream.end();
      };
      pump();
    }
  }
  z.end();
  const out: Buffer[] = [];
  for await (const c of z.outputStream) out.push(c as Buffer);
  return Buffer.concat(out);
}

/** The minimal parts of an xlsx around the given sheets (and extra entries). */
export function xlsxParts(sheetCount = 1): Record<string, string> {
  const parts: Record<string, string> = {
    '[Content_Types].xml': '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>',
    'xl/workbook.xml': `<workbook xmlns:r="r"><sheets>${Array.from({ length: sheetCount }, (_, i) => `<sheet name="S${i + 1}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`).join('')}</sheets></workbook>`,
    'xl/_rels/workbook.xml.rels': `<Relationships>${Array.from({ length: sheetCount }, (_, i) => `<Relationship Id="rId${i + 1}" Target="worksheets/sheet${i + 1}.xml"/>`).join('')}</Relationships>`,
  };
  for (let i = 1; i <= sheetCount; i++) parts[`xl/worksheets/sheet${i}.xml`] = `<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>`;
  return parts;
}

/**
 * The workbook of the report: a few hundred kB holding `mb` MB of shared strings (each a long
 * run of one letter, which deflates to almost nothing).
 */
export async function sharedStringsBomb(mb = 190): Promise<Buffer> {
  const item = `<si><t>${'A'.repeat(32_000)}</t></si>`;
  const items = Math.floor((mb * 1024 * 1024) / item.length);
  const head = `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="${items}" uniqueCount="${items}">`;
  const tail = '</sst>';
  const chunk = Buffer.from(item.repeat(32));
  return zip({
    ...xlsxParts(1),
    'xl/sharedStrings.xml': {
      size: head.length + items * item.length + tail.length,
      *chunks() {
        yield Buffer.from(head);
        let left = items;
        while (left >= 32) {
          yield chunk;
          left -= 32;
        }
        if (left) yield Buffer.from(item.repeat(left));
        yield Buffer.from(tail);
      },
    },
  });
}
