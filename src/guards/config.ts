/**
 * Guard configuration: kgateway's PromptguardRequest / PromptguardResponse JSON (the
 * x-req/resp-guardrails-config metadata). The standalone YAML reuses the same shape.
 */
import type { JsonObject } from '../json.js';
import { isObj } from '../json.js';

export type Builtin = 'CREDIT_CARD' | 'SSN' | 'PHONE_NUMBER' | 'EMAIL';
export type GuardAction = 'MASK' | 'REJECT';

export interface CustomResponse {
  readonly message: string;
  readonly statusCode: number;
}
export interface RegexMatch {
  readonly pattern: string;
  readonly name?: string;
}
export interface RegexGuard {
  readonly matches: readonly RegexMatch[];
  readonly builtins: readonly Builtin[];
  readonly action: GuardAction;
}
export interface HeaderMatch {
  readonly type: 'Exact' | 'RegularExpression';
  readonly name: string;
  readonly value: string;
}
export interface WebhookGuard {
  readonly host: string;
  readonly port: number;
  readonly forwardHeaderMatches: readonly HeaderMatch[];
}
export interface ModerationGuard {
  readonly model: string;
  /** Inline token; undefined means passthrough/env fallback. Never logged. */
  readonly authToken:
    { readonly kind: 'Inline'; readonly inline: string } | { readonly kind: 'Passthrough' } | undefined;
}
export interface RequestGuardConfig {
  readonly customResponse: CustomResponse | undefined;
  readonly regex: RegexGuard | undefined;
  readonly webhook: WebhookGuard | undefined;
  readonly moderation: ModerationGuard | undefined;
}
export interface ResponseGuardConfig {
  readonly regex: RegexGuard | undefined;
  readonly webhook: WebhookGuard | undefined;
}

export class GuardConfigError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}

export const DEFAULT_REJECT_MESSAGE = 'The request was rejected due to inappropriate content';
const BUILTINS: readonly string[] = ['CREDIT_CARD', 'SSN', 'PHONE_NUMBER', 'EMAIL'];

function obj(v: unknown, path: string): JsonObject | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) throw new GuardConfigError(path, 'must be an object');
  return v;
}
function list(v: unknown, path: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new GuardConfigError(path, 'must be a list');
  return v;
}
function str(v: unknown, path: string): string {
  if (typeof v !== 'string') throw new GuardConfigError(path, 'must be a string');
  return v;
}

function parseRegex(v: unknown, path: string): RegexGuard | undefined {
  const o = obj(v, path);
  if (!o) return undefined;
  const action = o.action ?? 'MASK';
  if (action !== 'MASK' && action !== 'REJECT')
    throw new GuardConfigError(`${path}.action`, `unknown action ${JSON.stringify(action)}`);
  return {
    action,
    builtins: list(o.builtins, `${path}.builtins`).map((b, i) => {
      if (typeof b !== 'string' || !BUILTINS.includes(b))
        throw new GuardConfigError(`${path}.builtins[${i}]`, `unknown builtin ${String(b)}`);
      return b as Builtin;
    }),
    matches: list(o.matches, `${path}.matches`).map((m, i) => {
      const mo = obj(m, `${path}.matches[${i}]`) ?? {};
      const pattern = str(mo.pattern, `${path}.matches[${i}].pattern`);
      return typeof mo.name === 'string' ? { pattern, name: mo.name } : { pattern };
    }),
  };
}

function parseWebhook(v: unknown, path: string): WebhookGuard | undefined {
  const o = obj(v, path);
  if (!o) return undefined;
  const host = obj(o.host, `${path}.host`);
  if (!host) throw new GuardConfigError(`${path}.host`, 'is required');
  const port = Number(host.port ?? 443);
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    throw new GuardConfigError(`${path}.host.port`, 'bad port');
  // forwardHeaderMatches (current) and forwardHeaders (kgateway v2.0) are the same Gateway API HTTPHeaderMatch.
  const matches = [
    ...list(o.forwardHeaderMatches, `${path}.forwardHeaderMatches`),
    ...list(o.forwardHeaders, `${path}.forwardHeaders`),
  ];
  return {
    host: str(host.host, `${path}.host.host`),
    port,
    forwardHeaderMatches: matches.map((m, i) => {
      const mo = obj(m, `${path}.forwardHeaderMatches[${i}]`) ?? {};
      const type = mo.type ?? 'Exact';
      if (type !== 'Exact' && type !== 'RegularExpression')
        throw new GuardConfigError(
          `${path}.forwardHeaderMatches[${i}].type`,
          `unknown type ${JSON.stringify(type)}`,
        );
      return {
        type,
        name: str(mo.name, `${path}.forwardHeaderMatches[${i}].name`).toLowerCase(),
        value: typeof mo.value === 'string' ? mo.value : '',
      };
    }),
  };
}

function parseModeration(v: unknown, path: string): ModerationGuard | undefined {
  const o = obj(v, path);
  const m = o ? obj(o.openAIModeration, `${path}.openAIModeration`) : undefined;
  if (!m) return undefined;
  const tok = obj(m.authToken, `${path}.openAIModeration.authToken`);
  let authToken: ModerationGuard['authToken'];
  if (tok?.kind === 'Passthrough') authToken = { kind: 'Passthrough' };
  else if (tok && typeof tok.inline === 'string' && tok.inline)
    authToken = { kind: 'Inline', inline: tok.inline };
  return { model: typeof m.model === 'string' && m.model ? m.model : 'omni-moderation-latest', authToken };
}

function parseCustomResponse(v: unknown, path: string): CustomResponse | undefined {
  const o = obj(v, path);
  if (!o) return undefined;
  const code = o.statusCode === undefined ? 403 : Number(o.statusCode);
  // A reject is never 2xx/1xx: the original answered 200 here (docs/reference/kgateway-contract.md §5).
  if (!Number.isInteger(code) || code < 300 || code > 599)
    throw new GuardConfigError(`${path}.statusCode`, `bad status ${String(o.statusCode)}`);
  return {
    statusCode: code,
    message: typeof o.message === 'string' && o.message ? o.message : DEFAULT_REJECT_MESSAGE,
  };
}

export function parseRequestGuardConfig(raw: unknown): RequestGuardConfig {
  const o = obj(raw, 'request') ?? {};
  return {
    customResponse: parseCustomResponse(o.customResponse, 'request.customResponse'),
    regex: parseRegex(o.regex, 'request.regex'),
    webhook: parseWebhook(o.webhook, 'request.webhook'),
    moderation: parseModeration(o.moderation, 'request.moderation'),
  };
}

export function parseResponseGuardConfig(raw: unknown): ResponseGuardConfig {
  const o = obj(raw, 'response') ?? {};
  return {
    regex: parseRegex(o.regex, 'response.regex'),
    webhook: parseWebhook(o.webhook, 'response.webhook'),
  };
}
