/**
 * A chat `file` part holding a PDF or a text file (file.file_data, a base64 data URL) → a Converse
 * document block (`pdf`, or `txt`/`md`/`csv`/`html`: ../translate/file-parts.ts).
 * Bedrock names each document: the filename without its extension, in the characters Converse
 * allows (letters, digits, single spaces, hyphens, parentheses, square brackets).
 */
import type { ConverseDocumentBlock } from './converse-types.js';
import { invalid } from './invalid-request.js';
import { TEXT_FILE_FORMATS, inlineFile } from '../translate/file-parts.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Converse takes bytes (images, documents) as base64 and refuses anything else opaquely: checked here. */
export function isBase64(data: string): boolean {
  return data !== '' && data.length % 4 === 0 && BASE64.test(data);
}

/** A Converse-safe document name from a filename (`document` when nothing is left). */
export function documentName(filename: string | undefined): string {
  const name = (filename ?? '')
    .replace(/\.[^.]*$/, '')
    .replace(/[^A-Za-z0-9\s\-()[\]]/g, '-')
    .replace(/\s+/g, ' ')
    .trim();
  return name === '' ? 'document' : name;
}

export function documentBlock(part: unknown, where: string): ConverseDocumentBlock {
  const file = inlineFile(part);
  const format = file?.mediaType === 'application/pdf' ? 'pdf' : TEXT_FILE_FORMATS.get(file?.mediaType ?? '');
  if (!file || format === undefined)
    throw invalid(
      `${where}: file parts must hold a PDF or a text file as a base64 data URL (file.file_data)`,
    );
  if (!isBase64(file.data)) throw invalid(`${where}: file data URL does not hold valid base64`);
  return { document: { format, name: documentName(file.filename), source: { bytes: file.data } } };
}
