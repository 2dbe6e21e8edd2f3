/**
 * Canonical (OpenAI-format) errors from upstream error responses.
 *
 * OpenAI-compatible providers disagree on the error body: OpenAI/Azure send `{error:{message,type,code}}`,
 * Mistral `{object:"error",message,type,code}` (a 422 nests FastAPI `{detail:[{loc,msg}]}` in `message`) or
 * `{detail: string | [{loc,msg}]}`, Ollama `{error:"text"}`. The status is always the upstream HTTP status.
 * An `error.type` inside an OpenAI-shaped `error` object is kept verbatim (OpenAI semantics); otherwise the
 * type comes from the status and a provider-specific top-level `type` becomes the code.
 */
import type { CanonicalError } from '../translate/types.js';
import { asArray, asObj, isObj, nonEmptyString, tryParseJson } from '../../json.js';

import { errorTypeForStatus } from '../translate/errors.js';

export { errorTypeForStatus };

/** The error for a body we cannot read: the status decides everything, no upstream text leaks. */
export function genericError(status: number): CanonicalError {
  return { status, message: `Upstream provider returned HTTP ${status}`, type: errorTypeForStatus(status) };
}

/** Parses a body as JSON, or undefined for empty / non-JSON bodies. */
export function parseErrorBody(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  return tryParseJson(body.toString('utf8'));
}

function codeOf(v: unknown): string | null {
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return null;
}

/** FastAPI validation detail: `[{loc:[...], msg:"..."}]` → "body.x: msg; …". */
function detailMessage(detail: unknown): string | undefined {
  const s = nonEmptyString(detail);
  if (s !== undefined) return s;
  const parts: string[] = [];
  for (const d of asArray(detail)) {
    const r = asObj(d);
    const msg = nonEmptyString(r?.msg);
    if (msg === undefined) continue;
    const loc = asArray(r?.loc)
      .filter((x) => typeof x === 'string' || typeof x === 'number')
      .join('.');
    parts.push(loc === '' ? msg : `${loc}: ${msg}`);
  }
  return parts.length > 0 ? parts.join('; ') : undefined;
}

/** Canonical error from an OpenAI-compatible error body (any of the shapes above). */
export function openAICompatToOpenAIError(status: number, body: Buffer): CanonicalError {
  const parsed = parseErrorBody(body);
  if (!isObj(parsed)) return genericError(status);
  const fallbackType = errorTypeForStatus(status);
  const err = parsed.error;
  if (isObj(err)) {
    const message = nonEmptyString(err.message) ?? genericError(status).message;
    return { status, message, type: nonEmptyString(err.type) ?? fallbackType, code: codeOf(err.code) };
  }
  const text =
    nonEmptyString(err) ??
    nonEmptyString(parsed.message) ??
    detailMessage(asObj(parsed.message)?.detail) ??
    detailMessage(parsed.detail);
  if (text === undefined) return genericError(status);
  // A top-level `type` (Mistral) is provider-specific, not an OpenAI error type: keep it as the code.
  const providerType = codeOf(parsed.type);
  const code = codeOf(parsed.code) ?? (providerType === fallbackType ? null : providerType);
  return { status, message: text, type: fallbackType, code };
}
