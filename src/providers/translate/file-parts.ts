/**
 * A canonical chat `file` part holds an inline file as a base64 data URL (`file.file_data`): a PDF,
 * or a text file (plain text, Markdown, CSV, HTML). Each provider gives a text file its own document
 * form (Anthropic a text-source document, Bedrock a `txt`/`md`/`csv`/`html` document, Gemini inline
 * data); an OpenAI-compatible chat upstream, whose file parts are PDFs, gets its text.
 */
import { parseDataUrl } from '../anthropic/data-url.js';
import { asObj, asString } from '../../json.js';

/** Text file media types, each with the Bedrock document format that reads it. */
export const TEXT_FILE_FORMATS: ReadonlyMap<string, 'txt' | 'md' | 'csv' | 'html'> = new Map([
  ['text/plain', 'txt'],
  ['text/markdown', 'md'],
  ['text/csv', 'csv'],
  ['text/html', 'html'],
] as const);

/** Filename extensions that name a file type when its data comes without one (bare base64). */
const EXTENSIONS: ReadonlyMap<string, string> = new Map([
  ['pdf', 'application/pdf'],
  ['txt', 'text/plain'],
  ['md', 'text/markdown'],
  ['csv', 'text/csv'],
  ['html', 'text/html'],
]);

export const isTextFile = (mediaType: string): boolean => TEXT_FILE_FORMATS.has(mediaType);

/** Whether a file part may hold this media type (a PDF or a text file). */
export const isFileType = (mediaType: string): boolean =>
  mediaType === 'application/pdf' || isTextFile(mediaType);

/** The media type a filename's extension names, if it is one a file part may hold. */
export function mediaTypeOfFilename(filename: string): string | undefined {
  const ext = /\.([A-Za-z0-9]+)$/.exec(filename)?.[1]?.toLowerCase();
  return ext === undefined ? undefined : EXTENSIONS.get(ext);
}

/** An inline file part's media type, base64 data and filename, when it holds a data URL. */
export function inlineFile(
  part: unknown,
): { mediaType: string; data: string; filename: string | undefined } | undefined {
  const file = asObj(asObj(part)?.file);
  const url = parseDataUrl(asString(file?.file_data) ?? '');
  if (!url) return undefined;
  return { ...url, filename: asString(file?.filename) };
}

/** A text file's contents (its base64 data decoded as UTF-8). */
export const fileText = (data: string): string => Buffer.from(data, 'base64').toString('utf8');

/** A chat text part standing for a text file, for upstreams that read no text files. */
export function textFilePart(file: { data: string; filename: string | undefined }): {
  type: 'text';
  text: string;
} {
  const text = fileText(file.data);
  return { type: 'text', text: file.filename ? `${file.filename}:\n${text}` : text };
}
