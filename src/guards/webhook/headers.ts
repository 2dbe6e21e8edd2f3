/**
 * Which client request headers are forwarded to the webhook (`forwardHeaderMatches`, and the legacy
 * `forwardHeaders`, which config.ts merges into the same list).
 *
 * Each entry is a Gateway API HTTPHeaderMatch: the header named `name` is forwarded, with its original
 * value, when it is present and its value matches `value`:
 *   - `Exact`: the value equals `value` (case-sensitive);
 *   - `RegularExpression`: `value` is a regular expression that must match the WHOLE header value
 *     (anchored as `^(?:value)$`). RE2-style `(?P<name>…)` groups and leading inline flags such as `(?i)`
 *     are translated to JavaScript. Patterns are compiled once, when the guard client is built.
 *
 * Only named headers are ever forwarded, so credentials (`authorization`, `x-api-key`, `api-key`,
 * `cookie`, ...) reach the webhook only when the operator names them in a match. Pseudo-headers (`:path`,
 * ...) and the hop-by-hop / framing headers that would corrupt the webhook request are never forwarded,
 * even when named.
 *
 * Note: the patterns run on JavaScript's backtracking engine against client-controlled header values
 * (bounded by Envoy's header size limit). The operator owns the pattern; avoid nested quantifiers.
 */
import { GuardConfigError } from '../config.js';
import type { HeaderMatch } from '../config.js';

/** Never forwarded: we set them ourselves, or they describe the client's connection, not the webhook's. */
const NEVER_FORWARD: ReadonlySet<string> = new Set([
  'content-length',
  'content-type',
  'content-encoding',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'upgrade',
  'te',
  'trailer',
  'host',
  'expect',
  'http2-settings',
]);

export interface CompiledHeaderMatch {
  readonly name: string;
  matches(value: string): boolean;
}

/** Translates the RE2 syntax config authors commonly use into a JS RegExp, anchored for a full match. */
export function compileFullMatchRegex(source: string): RegExp {
  let body = source;
  let flags = '';
  const inline = /^\(\?([a-zA-Z]+)\)/.exec(body);
  if (inline?.[1] !== undefined) {
    for (const f of inline[1]) {
      if (f === 'i' || f === 's' || f === 'm') {
        if (!flags.includes(f)) flags += f;
      } else {
        throw new SyntaxError(`unsupported inline flag (?${f})`);
      }
    }
    body = body.slice(inline[0].length);
  }
  body = body.replace(/(?<!\\)\(\?P</g, '(?<');
  return new RegExp(`^(?:${body})$`, flags);
}

export function compileHeaderMatches(
  matches: readonly HeaderMatch[],
  path = 'webhook.forwardHeaderMatches',
): CompiledHeaderMatch[] {
  return matches.map((m, i): CompiledHeaderMatch => {
    const name = m.name.toLowerCase();
    if (m.type === 'Exact') {
      const want = m.value;
      return { name, matches: (v) => v === want };
    }
    let re: RegExp;
    try {
      re = compileFullMatchRegex(m.value);
    } catch (e) {
      throw new GuardConfigError(
        `${path}[${i}].value`,
        `invalid regular expression: ${(e as Error).message}`,
      );
    }
    return { name, matches: (v) => re.test(v) };
  });
}

/** The headers to forward, by lower-cased name, with their original values. */
export function selectForwardHeaders(
  compiled: readonly CompiledHeaderMatch[],
  headers: ReadonlyMap<string, string>,
): Record<string, string> {
  const out = new Map<string, string>();
  for (const m of compiled) {
    if (m.name.startsWith(':') || NEVER_FORWARD.has(m.name) || out.has(m.name)) continue;
    const value = headers.get(m.name);
    // Credentials (authorization, x-api-key, cookie, ...) need no extra check: only named headers get here.
    if (value !== undefined && m.matches(value)) out.set(m.name, value);
  }
  return Object.fromEntries(out);
}
