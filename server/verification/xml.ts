import { SaxesParser } from 'saxes';

/**
 * A small, safe XML reader for scanner reports: saxes (a non-validating parser that never fetches
 * anything) builds a plain tree. A document type declaration is refused outright, so no external
 * entity is resolved and no entity is expanded (XXE, billion laughs); element count and depth are
 * bounded so a hostile file cannot exhaust memory.
 */
export interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

export class XmlRefused extends Error {}

export const XML_LIMITS = { elements: 500_000, depth: 64 };

export function parseXml(source: string): XmlNode {
  const parser = new SaxesParser({ xmlns: false });
  const root: XmlNode = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlNode[] = [root];
  let count = 0;
  let failure: Error | undefined;
  parser.on('doctype', () => {
    throw new XmlRefused('a document type declaration (DOCTYPE) is not accepted in scanner files');
  });
  parser.on('opentag', (tag) => {
    if (++count > XML_LIMITS.elements) throw new XmlRefused(`more than ${XML_LIMITS.elements} elements`);
    if (stack.length > XML_LIMITS.depth) throw new XmlRefused(`nested deeper than ${XML_LIMITS.depth} levels`);
    const node: XmlNode = { name: tag.name, attrs: { ...(tag.attributes as Record<string, string>) }, children: [], text: '' };
    stack[stack.length - 1]!.children.push(node);
    if (!tag.isSelfClosing) stack.push(node);
  });
  parser.on('closetag', (tag) => {
    if (!tag.isSelfClosing) stack.pop();
  });
  const addText = (t: string) => {
    const top = stack[stack.length - 1]!;
    if (top !== root) top.text += t;
  };
  parser.on('text', addText);
  parser.on('cdata', addText);
  parser.on('error', (err) => {
    failure ??= err;
  });
  try {
    parser.write(source.replace(/^\uFEFF/, '')).close();
  } catch (err) {
    failure ??= err as Error;
  }
  if (failure) throw failure instanceof XmlRefused ? failure : new XmlRefused(`not well-formed XML: ${failure.message.split('\n')[0]}`);
  return root;
}

/** Children named `name` (direct). */
export const kids = (n: XmlNode | undefined, name: string): XmlNode[] => (n ? n.children.filter((c) => c.name === name) : []);
export const kid = (n: XmlNode | undefined, name: string): XmlNode | undefined => n?.children.find((c) => c.name === name);
/** Trimmed text of the first child named `name`, or null. */
export const textOf = (n: XmlNode | undefined, name: string): string | null => {
  const t = kid(n, name)?.text.trim();
  return t ? t : null;
};
