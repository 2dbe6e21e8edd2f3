/** OpenAI message content (string or parts) → Anthropic content blocks. */
import type { Json } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import { fileText, inlineFile, isFileType, isTextFile } from '../translate/file-parts.js';
import { parseDataUrl } from './data-url.js';
import type { DroppedParams } from './dropped.js';
import { asObj, asString } from '../../json.js';

/** Which part types a message role may carry. */
export type PartPolicy = 'text' | 'user' | 'tool';

function bad(where: string, message: string): TranslationError {
  return new TranslationError(400, `${where}: ${message}`);
}

function withCacheControl(block: Json, part: Json): Json {
  // Not an OpenAI field, but clients that target Anthropic through OpenAI SDKs send it on parts.
  if (asObj(part.cache_control) !== undefined) block.cache_control = part.cache_control;
  return block;
}

/** The image media types Anthropic accepts; image/jpg (a common misspelling) is sent as image/jpeg. */
const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);

export function anthropicImageType(mediaType: string, where: string): string {
  const type = mediaType === 'image/jpg' || mediaType === 'image/pjpeg' ? 'image/jpeg' : mediaType;
  if (!IMAGE_TYPES.has(type)) {
    throw bad(where, `image type '${mediaType}' is not supported by Anthropic (jpeg, png, gif or webp)`);
  }
  return type;
}

/** An image URL → an Anthropic image block (base64 data URL or http(s) URL source). */
export function imageBlock(url: string, where: string): Json {
  const data = parseDataUrl(url);
  if (data === null) throw bad(where, 'image data URLs must be base64-encoded with a media type');
  if (data !== undefined) {
    const mediaType = anthropicImageType(data.mediaType, where);
    return { type: 'image', source: { type: 'base64', media_type: mediaType, data: data.data } };
  }
  if (/^https?:\/\//i.test(url)) return { type: 'image', source: { type: 'url', url } };
  throw bad(where, 'image_url.url must be a data: URL or an http(s) URL');
}

function fileBlock(part: Json, where: string): Json {
  const file = inlineFile(part);
  if (file === undefined || !isFileType(file.mediaType)) {
    throw bad(where, 'file.file_data must be a base64 data: URL of a PDF or a text file');
  }
  // Anthropic reads a text document as a text source (text/plain only: the text is the same).
  const source = isTextFile(file.mediaType)
    ? { type: 'text', media_type: 'text/plain', data: fileText(file.data) }
    : { type: 'base64', media_type: file.mediaType, data: file.data };
  const block: Json = { type: 'document', source };
  if (file.filename !== undefined && file.filename !== '') block.title = file.filename;
  return block;
}

function partBlock(part: Json, policy: PartPolicy, where: string, dropped: DroppedParams): Json | undefined {
  const type = asString(part.type);
  if (type === 'text' || (type === 'refusal' && policy === 'text')) {
    const text = asString(type === 'text' ? part.text : part.refusal);
    if (text === undefined) throw bad(where, `a ${type} part needs a string "${type}"`);
    return text === '' ? undefined : withCacheControl({ type: 'text', text }, part);
  }
  if (type === 'image_url' && policy !== 'text') {
    const img = part.image_url;
    const url = typeof img === 'string' ? img : asString(asObj(img)?.url);
    if (url === undefined) throw bad(where, 'image_url.url must be a string');
    const detail = asObj(img)?.detail;
    if (detail !== undefined && detail !== 'auto') dropped.add('image_url.detail');
    return withCacheControl(imageBlock(url, where), part);
  }
  if (type === 'file' && policy === 'user') return withCacheControl(fileBlock(part, where), part);
  throw bad(where, `content part type "${String(type)}" is not supported here`);
}

/**
 * Message content → blocks. A string becomes one text block (none when empty); null/absent gives none.
 * `policy` restricts the part types: system and assistant take text only (assistant refusals count as text),
 * user messages take text, images and PDF files, tool results take text and images.
 */
export function openAIToAnthropicContent(
  content: unknown,
  policy: PartPolicy,
  where: string,
  dropped: DroppedParams,
): Json[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw bad(where, 'content must be a string or an array of parts');
  const blocks: Json[] = [];
  content.forEach((p, i) => {
    const part = asObj(p);
    if (part === undefined) throw bad(`${where}[${i}]`, 'a content part must be an object');
    const block = partBlock(part, policy, `${where}[${i}]`, dropped);
    if (block !== undefined) blocks.push(block);
  });
  return blocks;
}
