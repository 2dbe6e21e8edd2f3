/** Bedrock exception names → HTTP status and OpenAI error type, shared by the error and stream paths. */
import { TranslationError } from '../translate/types.js';

export interface ExceptionClass {
  readonly status: number;
  readonly type: string;
}

/** Keyed by the lower-cased exception name without the `Exception` suffix. */
const EXCEPTIONS: ReadonlyMap<string, ExceptionClass> = new Map([
  ['validation', { status: 400, type: 'invalid_request_error' }],
  ['servicequotaexceeded', { status: 400, type: 'rate_limit_error' }],
  ['conflict', { status: 409, type: 'invalid_request_error' }],
  ['accessdenied', { status: 403, type: 'permission_error' }],
  ['unrecognizedclient', { status: 403, type: 'authentication_error' }],
  ['invalidsignature', { status: 403, type: 'authentication_error' }],
  ['incompletesignature', { status: 403, type: 'authentication_error' }],
  ['missingauthenticationtoken', { status: 403, type: 'authentication_error' }],
  ['expiredtoken', { status: 403, type: 'authentication_error' }],
  ['resourcenotfound', { status: 404, type: 'not_found_error' }],
  ['throttling', { status: 429, type: 'rate_limit_error' }],
  ['modelnotready', { status: 429, type: 'api_error' }],
  ['modeltimeout', { status: 408, type: 'api_error' }],
  ['modelerror', { status: 424, type: 'api_error' }],
  ['modelstreamerror', { status: 424, type: 'api_error' }],
  ['internalserver', { status: 500, type: 'api_error' }],
  ['serviceunavailable', { status: 503, type: 'api_error' }],
]);

/**
 * The short exception name of an AWS error type string: `com.amazon.coral.validate#ValidationException:`
 * → `ValidationException`. Undefined when nothing is left.
 */
export function exceptionName(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const name = (raw.split('#').pop() ?? '').split(':')[0]?.trim() ?? '';
  return name === '' ? undefined : name;
}

export function classifyException(name: string | undefined): ExceptionClass | undefined {
  if (name === undefined) return undefined;
  return EXCEPTIONS.get(name.toLowerCase().replace(/exception$/, ''));
}

/**
 * An `exception` (or `error`) message inside a ConverseStream. Thrown by the stream decoder; `status` is the
 * status Bedrock uses for that exception (502 when unknown), `code` the exception name.
 */
export class BedrockStreamError extends TranslationError {
  override readonly name = 'BedrockStreamError';
  constructor(
    status: number,
    message: string,
    type: string,
    readonly code: string,
  ) {
    super(status, message, type);
  }
}

export function streamException(name: string | undefined, message: string | undefined): BedrockStreamError {
  const cls = classifyException(name) ?? { status: 502, type: 'api_error' };
  const code = name ?? 'unknownException';
  return new BedrockStreamError(cls.status, message ?? `Bedrock stream reported ${code}`, cls.type, code);
}
