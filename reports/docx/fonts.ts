/**
 * Fonts declared in the Word documents. The reports' roles are the PDF's (reports/pdf/fonts.ts):
 * 宋体 for body text, 黑体 for headings. Word names them by family; each family's fontTable
 * entry gives the Windows name (SimSun/SimHei) as its alternative, and the shipped Noto families
 * are declared too, so a reader without the Windows fonts (LibreOffice on Linux) substitutes the
 * Noto fonts the PDF embeds.
 */
export const BODY_FONT = { ascii: 'Times New Roman', hAnsi: 'Times New Roman', eastAsia: '宋体', cs: 'Times New Roman' };
export const HEADING_FONT = { ascii: 'Arial', hAnsi: 'Arial', eastAsia: '黑体', cs: 'Arial' };

interface FontEntry {
  name: string;
  altName?: string;
  panose: string;
  charset: string;
  family: 'roman' | 'swiss';
  pitch: 'variable';
}

const FONTS: FontEntry[] = [
  { name: '宋体', altName: 'SimSun', panose: '02010600030101010101', charset: '86', family: 'roman', pitch: 'variable' },
  { name: '黑体', altName: 'SimHei', panose: '02010609060101010101', charset: '86', family: 'swiss', pitch: 'variable' },
  { name: 'Noto Serif SC', panose: '02020400000000000000', charset: '86', family: 'roman', pitch: 'variable' },
  { name: 'Noto Sans SC', panose: '020B0200000000000000', charset: '86', family: 'swiss', pitch: 'variable' },
  { name: 'Times New Roman', panose: '02020603050405020304', charset: '00', family: 'roman', pitch: 'variable' },
  { name: 'Arial', panose: '020B0604020202020204', charset: '00', family: 'swiss', pitch: 'variable' },
];

/** word/fontTable.xml declaring the families above (the docx library writes an empty one). */
export function fontTableXml(): string {
  const fonts = FONTS.map(
    (f) =>
      `<w:font w:name="${f.name}">${f.altName ? `<w:altName w:val="${f.altName}"/>` : ''}<w:panose1 w:val="${f.panose}"/><w:charset w:val="${f.charset}"/><w:family w:val="${f.family}"/><w:pitch w:val="${f.pitch}"/></w:font>`,
  ).join('');
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:fonts xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">${fonts}</w:fonts>`;
}
