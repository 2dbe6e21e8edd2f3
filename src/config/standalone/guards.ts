/**
 * policy.guards: the same shape as kgateway's PromptguardRequest / PromptguardResponse JSON, parsed by
 * the guard module's own parsers. Differences: the moderation token is a secret reference
 * (kind: SecretRef, secretRef: { env | file }), never inline; webhooks take scheme / insecureSkipVerify.
 */
import type { RequestGuardConfig } from '../../guards/config.js';
import { GuardConfigError, parseRequestGuardConfig, parseResponseGuardConfig } from '../../guards/config.js';
import { compileRegexGuard } from '../../guards/regex/index.js';
import type { JsonObject } from '../../json.js';
import { isObj } from '../../json.js';
import type { LoadContext } from './context.js';
import { deepFreeze } from './freeze.js';
import type { PathSegment } from './issues.js';
import { resolveSecret } from './secrets.js';
import { keyedDigest } from './source-hash.js';
import type { RouteGuards, WebhookTransport } from './types.js';

/** 'request.regex.matches[0].pattern' → ['request', 'regex', 'matches', 0, 'pattern'] */
export function guardPathSegments(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  for (const part of path.split('.')) {
    const m = /^([^[]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    if (m[1]) out.push(m[1]);
    for (const idx of (m[2] ?? '').matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

function report(err: unknown, at: readonly PathSegment[], ctx: LoadContext): void {
  if (err instanceof GuardConfigError) {
    const prefix = `${err.path}: `;
    const message = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
    ctx.issues.add([...at, ...guardPathSegments(err.path)], message);
  } else {
    ctx.issues.add(at, err instanceof Error ? err.message : String(err));
  }
}

function transport(raw: JsonObject): WebhookTransport | undefined {
  const w = raw.webhook;
  if (!isObj(w)) return undefined;
  return Object.freeze({
    scheme: w.scheme === 'http' ? 'http' : 'https',
    insecureSkipVerify: w.insecureSkipVerify === true,
  });
}

/** Replaces a SecretRef moderation token by the resolved value; drops anything else but Passthrough. */
function withToken(
  raw: JsonObject,
  at: readonly PathSegment[],
  ctx: LoadContext,
): { raw: JsonObject; token: string } {
  const copy = structuredClone(raw);
  const moderation = isObj(copy.moderation) ? copy.moderation : undefined;
  const openai = moderation && isObj(moderation.openAIModeration) ? moderation.openAIModeration : undefined;
  const tok = openai?.authToken;
  if (openai === undefined || tok === undefined) return { raw: copy, token: '' };
  if (isObj(tok) && tok.kind === 'SecretRef') {
    const where = [...at, 'moderation', 'openAIModeration', 'authToken', 'secretRef'];
    const secret = resolveSecret(tok.secretRef, where, ctx);
    openai.authToken = secret === undefined ? undefined : { kind: 'Inline', inline: secret };
    return { raw: copy, token: secret ?? '' };
  }
  openai.authToken = isObj(tok) && tok.kind === 'Passthrough' ? { kind: 'Passthrough' } : undefined;
  return { raw: copy, token: '' };
}

/** The resolved token stays readable but out of JSON.stringify and util.inspect. */
function hideToken(cfg: RequestGuardConfig): void {
  const tok = cfg.moderation?.authToken;
  if (tok?.kind === 'Inline') Object.defineProperty(tok, 'inline', { value: tok.inline, enumerable: false });
}

function checkRegex(
  regex: Parameters<typeof compileRegexGuard>[0] | undefined,
  path: string,
  at: readonly PathSegment[],
  ctx: LoadContext,
): void {
  if (regex === undefined) return;
  try {
    // Compiled to check it, then given back: the guard cache compiles it again for requests.
    compileRegexGuard(regex, { configPath: path }).release();
  } catch (err) {
    report(err, at, ctx);
  }
}

export function compileGuards(raw: unknown, at: readonly PathSegment[], ctx: LoadContext): RouteGuards {
  const out: { -readonly [K in keyof RouteGuards]: RouteGuards[K] } = {
    request: undefined,
    response: undefined,
    requestKey: undefined,
    responseKey: undefined,
    requestWebhook: undefined,
    responseWebhook: undefined,
  };
  if (!isObj(raw)) return Object.freeze(out);
  if (isObj(raw.request)) {
    const { raw: req, token } = withToken(raw.request, [...at, 'request'], ctx);
    try {
      const cfg = parseRequestGuardConfig(req);
      checkRegex(cfg.regex, 'request.regex', at, ctx);
      hideToken(cfg);
      out.request = deepFreeze(cfg);
      out.requestKey = `standalone:${keyedDigest(JSON.stringify(raw.request), token)}`;
      out.requestWebhook = transport(raw.request);
    } catch (err) {
      report(err, at, ctx);
    }
  }
  if (isObj(raw.response)) {
    try {
      const cfg = parseResponseGuardConfig(raw.response);
      checkRegex(cfg.regex, 'response.regex', at, ctx);
      out.response = deepFreeze(cfg);
      out.responseKey = `standalone:${keyedDigest(JSON.stringify(raw.response))}`;
      out.responseWebhook = transport(raw.response);
    } catch (err) {
      report(err, at, ctx);
    }
  }
  return Object.freeze(out);
}
