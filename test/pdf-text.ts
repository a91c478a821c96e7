import { join } from 'node:path';
import { definePDFJSModule, extractText, getDocumentProxy } from 'unpdf';

// unpdf loads its PDF.js build with a dynamic import, which Jest's module system lacks before Node
// 24.9: the build is handed over, required by its path (Jest compiles the ES module).
const ready = definePDFJSModule(() =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  Promise.resolve(require(join(require.resolve('unpdf'), '..', 'pdfjs.mjs'))),
);

/** The text of every page of a PDF, with a PDF text library (PDF.js), and its page count. */
export async function pdfText(pdf: Buffer): Promise<{ pages: number; text: string }> {
  await ready;
  const document = await getDocumentProxy(new Uint8Array(pdf));
  const { totalPages, text } = await extractText(document, { mergePages: true });
  return { pages: totalPages, text };
}
