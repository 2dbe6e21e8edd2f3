/**
 * The OpenAI embeddings request (`POST /v1/embeddings`), read and checked once: `input` as a string,
 * a string list, token ids or token-id lists; `dimensions`, `encoding_format`, `user`. What every
 * provider translation starts from. Limits follow OpenAI's (at most 2048 inputs, none empty).
 */
import type { JsonObject } from '../../json.js';
import { TranslationError } from '../translate/types.js';

/** OpenAI's limit on inputs per request; no provider we reach takes more in one call. */
export const MAX_EMBEDDING_INPUTS = 2048;

export type EncodingFormat = 'float' | 'base64';

export interface EmbeddingsInput {
  /** The texts to embed, in order (empty when the input is token ids). */
  readonly texts: readonly string[];
  /** Token-id inputs (OpenAI and Azure only), in order. */
  readonly tokens: readonly (readonly number[])[];
  /** How many vectors the answer holds. */
  readonly count: number;
  readonly dimensions: number | undefined;
  readonly encodingFormat: EncodingFormat;
  readonly user: string | undefined;
}

const bad = (message: string): TranslationError => new TranslationError(400, message);
const isTokenList = (v: unknown): v is number[] =>
  Array.isArray(v) && v.length > 0 && v.every((t) => Number.isInteger(t) && (t as number) >= 0);

function inputs(raw: unknown): { texts: string[]; tokens: number[][] } {
  if (typeof raw === 'string') {
    if (raw === '') throw bad("'input' must not be empty");
    return { texts: [raw], tokens: [] };
  }
  if (!Array.isArray(raw) || raw.length === 0)
    throw bad("'input' must be a non-empty string, array of strings, or array of token ids");
  if (raw.length > MAX_EMBEDDING_INPUTS)
    throw bad(`'input' has ${raw.length} items; at most ${MAX_EMBEDDING_INPUTS} are allowed`);
  if (raw.every((v) => typeof v === 'string')) {
    if (raw.some((v) => v === '')) throw bad("'input' must not contain empty strings");
    return { texts: raw, tokens: [] };
  }
  if (isTokenList(raw)) return { texts: [], tokens: [raw] };
  if (raw.every(isTokenList)) return { texts: [], tokens: raw };
  throw bad("'input' must be a string, an array of strings, an array of token ids, or an array of them");
}

/** Reads and checks an OpenAI embeddings request body. Throws TranslationError (400). */
export function readEmbeddingsRequest(body: JsonObject): EmbeddingsInput {
  const { texts, tokens } = inputs(body.input);
  const d = body.dimensions;
  if (d !== undefined && d !== null && !(Number.isInteger(d) && (d as number) > 0))
    throw bad("'dimensions' must be a positive integer");
  const f = body.encoding_format ?? 'float';
  if (f !== 'float' && f !== 'base64') throw bad("'encoding_format' must be 'float' or 'base64'");
  const user = body.user;
  if (user !== undefined && user !== null && typeof user !== 'string') throw bad("'user' must be a string");
  return {
    texts,
    tokens,
    count: texts.length + tokens.length,
    dimensions: typeof d === 'number' ? d : undefined,
    encodingFormat: f,
    user: typeof user === 'string' ? user : undefined,
  };
}

/** Token-id input reaches only the OpenAI API itself: other providers tokenize text their own way. */
export function requireTexts(input: EmbeddingsInput, provider: string): readonly string[] {
  if (input.tokens.length > 0)
    throw bad(`token-id input is not supported by the ${provider} backend; send the text instead`);
  return input.texts;
}
