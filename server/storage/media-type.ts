
/**
 * Media types accepted as evidence: images, PDF, office documents, text and CSV, JSON/XML/YAML
 * configuration, zip archives. Decided from the content (magic numbers, or text inspection),
 * never from what the client claims.
 */
export const ALLOWED_MEDIA_TYPES = new Set([
  'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/bmp', 'image/tiff',
  'application/pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text', 'application/vnd.oasis.opendocument.spreadsheet',
  'application/x-cfb', // legacy .doc/.xls/.ppt
  'application/zip',
  'text/plain', 'text/csv', 'application/json', 'application/xml', 'application/yaml',
  // Web documents (saved pages, diagrams): kept as evidence, but only ever served as downloads.
  'text/html', 'application/xhtml+xml', 'image/svg+xml',
]);

/**
 * Media types a browser would run as a document (scripts, event handlers): never rendered
 * inline — downloads only (attachment, nosniff, a sandbox CSP) and flagged in the UI.
 */
export const ACTIVE_MEDIA_TYPES = new Set(['text/html', 'application/xhtml+xml', 'image/svg+xml']);

/** Markup that a browser runs: markers searched in the head of an XML-like text file. */
const SCRIPT_MARKERS = /<script[\s>/]|\son(?:load|error|click|dblclick|mouse\w+|pointer\w+|focus\w*|blur|key\w+|submit|change|input|begin|end|animation\w+|transition\w+|toggle|wheel|drag\w*|drop|touch\w+)\s*=|javascript:|<\?xml-stylesheet|http:\/\/www\.w3\.org\/1999\/xhtml|<iframe[\s>/]|<object[\s>/]|<embed[\s>/]/i;

/** Classifies markup text: SVG, (X)HTML, XML carrying script, or plain XML. */
function markupType(text: string): string {
  if (/<svg[\s>/]/i.test(text)) return 'image/svg+xml';
  if (/^(<\?xml[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<!doctype\s+html|<html[\s>/]/i.test(text)) return /http:\/\/www\.w3\.org\/1999\/xhtml/i.test(text) ? 'application/xhtml+xml' : 'text/html';
  if (SCRIPT_MARKERS.test(text)) return 'application/xhtml+xml';
  return 'application/xml';
}

function looksLikeText(head: Buffer): boolean {
  if (head.includes(0)) return false;
  // A multi-byte character may be cut at the end of the head: ignore the last 3 bytes when decoding fails.
  for (const cut of [0, 1, 2, 3]) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, head.length - cut));
      return true;
    } catch {
      /* try shorter */
    }
  }
  // GB18030 / GBK text (common in Chinese configuration exports).
  try {
    new TextDecoder('gb18030', { fatal: true }).decode(head);
    return true;
  } catch {
    return false;
  }
}

/**
 * Sniffs the media type from the first bytes. For text, the client's file extension only chooses
 * between text subtypes (csv, yaml, plain) when the content itself does not say.
 */
export async function sniffMediaType(head: Buffer, fileName: string): Promise<string | undefined> {
  // Loaded at the first upload, not at start.
  const { fileTypeFromBuffer } = await import('file-type');
  const detected = await fileTypeFromBuffer(head);
  // file-type names any `<?xml` file application/xml: the markup decides whether it is a web document.
  if (detected && /xml|html|svg/.test(detected.mime) && looksLikeText(head)) return markupType(head.toString('utf8').replace(/^\uFEFF/, '').trimStart());
  if (detected) {
    // file-type calls some zip-based office files plain zip when the head is short; keep its answer.
    return detected.mime;
  }
  if (!looksLikeText(head)) return undefined;
  const text = head.toString('utf8').replace(/^\uFEFF/, '').trimStart();
  const ext = fileName.toLowerCase().split('.').pop() ?? '';
  if (/^<\?xml|^<[A-Za-z!]/.test(text)) return markupType(text);
  if (/^[{[]/.test(text) && ext !== 'csv' && ext !== 'txt') return 'application/json';
  if (ext === 'csv') return 'text/csv';
  if (ext === 'yaml' || ext === 'yml' || text.startsWith('---')) return 'application/yaml';
  return 'text/plain';
}

/** A client file name made safe for display and Content-Disposition: no paths, no control characters. */
export function sanitiseFileName(name: string | undefined): string {
  let base = (name ?? '').split(/[\\/]/).pop() ?? '';
  base = base
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '')
    .replace(/[<>:"|?*]/g, '_')
    .replace(/\.{2,}/g, '.')
    .replace(/^[.\s]+|[.\s]+$/g, '');
  if (base.length > 200) {
    const dot = base.lastIndexOf('.');
    const ext = dot > 0 && base.length - dot <= 10 ? base.slice(dot) : '';
    base = base.slice(0, 200 - ext.length) + ext;
  }
  return base || 'evidence';
}
