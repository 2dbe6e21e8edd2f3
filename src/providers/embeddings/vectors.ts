/**
 * The OpenAI embeddings answer built from a provider's vectors: `encoding_format: base64` is the
 * base64 of the float32 little-endian bytes (what OpenAI sends), floats otherwise.
 */
import type { JsonObject } from '../../json.js';
import type { EncodingFormat } from './openai-embeddings.request.js';
import { TranslationError } from '../translate/types.js';

/** base64 of a vector as float32 little-endian. */
export function float32Base64(vector: readonly number[]): string {
  const buf = Buffer.allocUnsafe(vector.length * 4);
  vector.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString('base64');
}

/** The floats of a base64 float32 little-endian vector. */
export function base64Float32(b64: string): number[] {
  const buf = Buffer.from(b64, 'base64');
  const out: number[] = [];
  for (let i = 0; i + 4 <= buf.length; i += 4) out.push(buf.readFloatLE(i));
  return out;
}

/** A provider vector, checked: numbers only (an answer we cannot read is a 502, never a crash). */
export function asVector(v: unknown, provider: string): number[] {
  if (Array.isArray(v) && v.every((n) => typeof n === 'number')) return v;
  throw new TranslationError(502, `the ${provider} embeddings answer holds no vector`, 'api_error');
}

export interface OpenAIEmbeddingsUsage {
  readonly prompt_tokens: number;
  readonly total_tokens: number;
}

/** The OpenAI `list` of embeddings. */
export function openAIEmbeddingsList(
  vectors: readonly (readonly number[])[],
  model: string,
  format: EncodingFormat,
  promptTokens: number,
): JsonObject {
  return {
    object: 'list',
    data: vectors.map((v, index) => ({
      object: 'embedding',
      index,
      embedding: format === 'base64' ? float32Base64(v) : v,
    })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}
