/**
 * A Responses `input_file` with inline data → a canonical chat `file` part (the form every provider
 * adapter reads), for a PDF or a text file (../translate/file-parts.ts). Files by id or URL, and other
 * media types, have no canonical form: the caller reports them dropped.
 */
import { parseDataUrl, toDataUrl } from '../anthropic/data-url.js';
import { asString } from '../../json.js';
import { isFileType, mediaTypeOfFilename } from '../translate/file-parts.js';
import type { JsonObject } from '../../json.js';

/** The media type and base64 payload of `file_data` (a data URL, or bare base64 named by its filename). */
function inlineData(fileData: string, filename: string): { mediaType: string; data: string } | undefined {
  const url = parseDataUrl(fileData);
  if (url) return url;
  if (url === null) return undefined;
  const mediaType = mediaTypeOfFilename(filename);
  return mediaType === undefined ? undefined : { mediaType, data: fileData };
}

/** The canonical part for an `input_file`, or undefined when it has none. */
export function inputFilePart(part: JsonObject): JsonObject | undefined {
  const fileData = asString(part.file_data);
  if (fileData === undefined || fileData === '') return undefined;
  const filename = asString(part.filename) ?? '';
  const inline = inlineData(fileData, filename);
  if (inline === undefined) return undefined;
  if (!isFileType(inline.mediaType)) return undefined;
  const file: JsonObject = { file_data: toDataUrl(inline.mediaType, inline.data) };
  if (filename !== '') file.filename = filename;
  return { type: 'file', file };
}
