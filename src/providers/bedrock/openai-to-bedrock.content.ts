/** OpenAI message content (string or content parts) → Converse content blocks. */
import type {
  ConverseCachePointBlock,
  ConverseContentBlock,
  ConverseImageBlock,
  ConverseImageFormat,
  ConverseTextBlock,
} from './converse-types.js';
import { invalid } from './invalid-request.js';
import { documentBlock, isBase64 } from './openai-to-bedrock.document.js';
import { asObj, asString } from '../../json.js';

const IMAGE_FORMATS: ReadonlyMap<string, ConverseImageFormat> = new Map([
  ['image/png', 'png'],
  ['image/jpeg', 'jpeg'],
  ['image/jpg', 'jpeg'],
  ['image/gif', 'gif'],
  ['image/webp', 'webp'],
]);

const CACHE_POINT: ConverseCachePointBlock = { cachePoint: { type: 'default' } };

/**
 * A part's `cache_control` (the Anthropic-style marker OpenAI SDK users put on parts, as LiteLLM and
 * OpenRouter accept it) → a cachePoint block right after the part's block: the cache covers the prompt up
 * to there, as cache_control does on Anthropic.
 */
function pushCachePoint(out: ConverseContentBlock[], part: unknown): void {
  if (asObj(asObj(part)?.cache_control) !== undefined && out.length > 0) out.push({ ...CACHE_POINT });
}

/**
 * The text of a content value that may only hold text: a string, or an array of `text` (and `refusal`)
 * parts. Empty strings are left out, since Bedrock rejects blank text blocks.
 */
export function textBlocks(content: unknown, where: string): (ConverseTextBlock | ConverseCachePointBlock)[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  if (!Array.isArray(content)) throw invalid(`${where}: content must be a string or an array of parts`);
  const out: (ConverseTextBlock | ConverseCachePointBlock)[] = [];
  content.forEach((p, i) => {
    const text = partText(p, `${where}[${i}]`);
    if (text === undefined) throw invalid(`${where}[${i}]: only text parts are supported here`);
    if (text !== '') out.push({ text });
    pushCachePoint(out, p);
  });
  return out;
}

/** User content: text, base64 data-URL images and PDF files. */
export function openAIToBedrockContent(content: unknown, where: string): ConverseContentBlock[] {
  if (!Array.isArray(content)) return textBlocks(content, where);
  const out: ConverseContentBlock[] = [];
  content.forEach((p, i) => {
    const at = `${where}[${i}]`;
    const text = partText(p, at);
    if (text !== undefined) {
      if (text !== '') out.push({ text });
      pushCachePoint(out, p);
      return;
    }
    const part = asObj(p);
    if (part?.type === 'image_url') {
      const img = part.image_url;
      const url = typeof img === 'string' ? img : asString(asObj(img)?.url);
      if (url === undefined) throw invalid(`${at}: image_url.url must be a string`);
      out.push(imageBlock(url, at));
      pushCachePoint(out, p);
      return;
    }
    if (part?.type === 'file') {
      out.push(documentBlock(part, at));
      pushCachePoint(out, p);
      return;
    }
    throw invalid(`${at}: content part type '${String(part?.type)}' is not supported by Bedrock`);
  });
  return out;
}

/** The text of a `text` or `refusal` part; undefined for any other part type. */
function partText(p: unknown, where: string): string | undefined {
  const part = asObj(p);
  if (part === undefined) throw invalid(`${where}: content part must be an object`);
  const key = part.type === 'text' ? 'text' : part.type === 'refusal' ? 'refusal' : undefined;
  if (key === undefined) return undefined;
  const text = part[key];
  if (typeof text !== 'string') throw invalid(`${where}: ${key} must be a string`);
  return text;
}

/** A `data:image/<png|jpeg|gif|webp>;base64,<data>` URL → Converse image block. Nothing is fetched. */
export function imageBlock(url: string, where: string): ConverseImageBlock {
  if (!url.startsWith('data:')) {
    const scheme = /^https?:/i.test(url) ? 'an http(s) URL' : 'not a data URL';
    throw invalid(
      `${where}: image is ${scheme}. Bedrock accepts images only as base64 data URLs ` +
        `(data:image/png;base64,...), and the gateway does not fetch image URLs.`,
    );
  }
  const comma = url.indexOf(',');
  const meta = (comma < 0 ? '' : url.slice(5, comma)).toLowerCase().split(';');
  const mime = meta[0] ?? '';
  const data = comma < 0 ? '' : url.slice(comma + 1);
  if (!meta.includes('base64')) throw invalid(`${where}: image data URL must be base64-encoded (;base64,)`);
  const format = IMAGE_FORMATS.get(mime);
  if (format === undefined) {
    throw invalid(`${where}: image type '${mime}' is not supported by Bedrock (png, jpeg, gif or webp)`);
  }
  if (!isBase64(data)) {
    throw invalid(`${where}: image data URL does not hold valid base64`);
  }
  return { image: { format, source: { bytes: data } } };
}
