/** Anthropic content blocks → OpenAI message parts, tool calls and tool messages. */
import type { Json } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import { toDataUrl } from './data-url.js';
import { asArray, asObj, asString } from '../../json.js';
import type { DroppedParams } from './dropped.js';

function bad(where: string, message: string): TranslationError {
  return new TranslationError(400, `${where}: ${message}`);
}

function noteCacheControl(block: Json, dropped: DroppedParams): void {
  if (block.cache_control !== undefined && block.cache_control !== null) dropped.add('cache_control');
}

/** An image block → an image_url part (base64 sources become data: URLs). */
export function imagePart(block: Json, where: string): Json {
  const source = asObj(block.source);
  if (source?.type === 'base64') {
    const mediaType = asString(source.media_type);
    const data = asString(source.data);
    if (mediaType === undefined || data === undefined)
      throw bad(where, 'a base64 image needs media_type and data');
    return { type: 'image_url', image_url: { url: toDataUrl(mediaType, data) } };
  }
  const url = asString(source?.url);
  if (source?.type === 'url' && url !== undefined) return { type: 'image_url', image_url: { url } };
  throw bad(where, 'image source must be base64 or url');
}

/** A document block → a file part (base64 PDF) or a text part (plain-text source). */
function documentPart(block: Json, where: string): Json {
  const source = asObj(block.source);
  const data = asString(source?.data);
  const title = asString(block.title);
  if (source?.type === 'base64' && data !== undefined && source.media_type === 'application/pdf') {
    const file: Json = { filename: title ?? 'document.pdf', file_data: toDataUrl('application/pdf', data) };
    return { type: 'file', file };
  }
  if (source?.type === 'text' && data !== undefined) return { type: 'text', text: data };
  throw bad(where, 'document source must be a base64 PDF or plain text');
}

/**
 * A block's cache_control kept on the canonical part (the form LiteLLM and OpenRouter accept from OpenAI
 * clients): Anthropic keeps it, Bedrock turns it into a cachePoint, the others drop and report it.
 */
export function withCacheControl(part: Json, block: Json): Json {
  if (asObj(block.cache_control) !== undefined) part.cache_control = block.cache_control;
  return part;
}

/** User and system content blocks other than tool_result → OpenAI parts (cache_control kept on them). */
export function anthropicToOpenAIContent(
  block: Json,
  where: string,
  dropped: DroppedParams,
): Json | undefined {
  switch (block.type) {
    case 'text':
      return withCacheControl({ type: 'text', text: asString(block.text) ?? '' }, block);
    case 'image':
      return withCacheControl(imagePart(block, where), block);
    case 'document':
      return withCacheControl(documentPart(block, where), block);
    default:
      noteCacheControl(block, dropped);
      dropped.add(`messages[].content.${String(block.type)}`);
      return undefined;
  }
}

/** Text parts collapse to a string when there is one (without cache_control); otherwise the parts stay. */
export function simplify(parts: Json[]): string | Json[] {
  const only = parts.length === 1 ? parts[0] : undefined;
  return only?.type === 'text' && typeof only.text === 'string' && only.cache_control === undefined
    ? only.text
    : parts;
}

/** A tool_result block → an OpenAI tool message. Only text survives: tools carry no images in OpenAI. */
export function toolMessage(block: Json, where: string, dropped: DroppedParams): Json {
  const id = asString(block.tool_use_id);
  if (id === undefined || id === '') throw bad(where, 'tool_result needs a tool_use_id');
  if (block.is_error === true) dropped.add('tool_result.is_error');
  let content: string | Json[] = '';
  if (typeof block.content === 'string') content = block.content;
  else {
    const parts: Json[] = [];
    for (const c of asArray(block.content)) {
      const inner = asObj(c);
      if (inner === undefined) continue;
      if (inner.type === 'text') {
        parts.push(withCacheControl({ type: 'text', text: asString(inner.text) ?? '' }, inner));
      } else {
        noteCacheControl(inner, dropped);
        dropped.add(`tool_result.${String(inner.type)}`);
      }
    }
    content = parts.length === 0 ? '' : simplify(parts);
  }
  // The block's cache_control marks the whole tool result: it rides on the tool message.
  return withCacheControl({ role: 'tool', tool_call_id: id, content }, block);
}

/** A tool_use block → an OpenAI tool call. */
export function toolCall(block: Json, where: string, dropped: DroppedParams): Json {
  noteCacheControl(block, dropped);
  const id = asString(block.id);
  const name = asString(block.name);
  if (id === undefined || name === undefined) throw bad(where, 'tool_use needs an id and a name');
  return { id, type: 'function', function: { name, arguments: JSON.stringify(block.input ?? {}) } };
}
