/**
 * Gemini-native client paths: `/{v1beta|v1|v1alpha}/models/{model}:{method}` (the model comes from
 * the path, not the body). `?alt=sse` picks SSE streaming; without it `:streamGenerateContent`
 * answers one JSON array written as it grows. `?key=` is the client's API key: read as a credential
 * header, and never kept in a path that is logged or sent upstream.
 */

export type GeminiMethod = 'generateContent' | 'streamGenerateContent' | 'countTokens';

export interface GeminiCall {
  /** The model named in the path (URL-decoded, without a `models/` prefix). */
  readonly model: string;
  readonly method: GeminiMethod;
  /** `:streamGenerateContent` with `alt=sse`. */
  readonly sse: boolean;
  /** The API version segment the client used (v1beta, v1, v1alpha). */
  readonly version: string;
}

const GEMINI_PATH =
  /\/(v1beta|v1|v1alpha)\/models\/([^/:?#]+):(generateContent|streamGenerateContent|countTokens)$/;
const MAX_MODEL = 256;

function queryParam(query: string, name: string): string | undefined {
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    const k = eq < 0 ? pair : pair.slice(0, eq);
    if (k !== name) continue;
    try {
      return decodeURIComponent((eq < 0 ? '' : pair.slice(eq + 1)).replace(/\+/g, ' '));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The Gemini call a request path makes, or undefined when it is not a Gemini-native path. */
export function geminiCall(path: string): GeminiCall | undefined {
  const q = path.indexOf('?');
  const bare = q < 0 ? path : path.slice(0, q);
  const m = GEMINI_PATH.exec(bare);
  if (!m) return undefined;
  let model: string;
  try {
    model = decodeURIComponent(m[2]!);
  } catch {
    return undefined;
  }
  if (model === '' || model.length > MAX_MODEL) return undefined;
  const method = m[3] as GeminiMethod;
  const alt = q < 0 ? undefined : queryParam(path.slice(q + 1), 'alt');
  return { model, method, sse: method === 'streamGenerateContent' && alt === 'sse', version: m[1]! };
}

/** The `key` query parameter (Gemini's API key in the URL), if any. */
export function geminiQueryKey(path: string): string | undefined {
  const q = path.indexOf('?');
  if (q < 0) return undefined;
  const v = queryParam(path.slice(q + 1), 'key')?.trim();
  return v ? v : undefined;
}

/** The path without its `key` query parameter (what may be logged or forwarded). */
export function withoutQueryKey(path: string): string {
  const q = path.indexOf('?');
  if (q < 0) return path;
  const kept = path
    .slice(q + 1)
    .split('&')
    .filter((p) => p !== '' && p !== 'key' && !p.startsWith('key='));
  return kept.length > 0 ? `${path.slice(0, q)}?${kept.join('&')}` : path.slice(0, q);
}
