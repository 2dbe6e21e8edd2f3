/**
 * Which client request headers are forwarded to the webhook (`forwardHeaderMatches`, and the legacy
 * `forwardHeaders`, which config.ts merges into the same list).
 *
 * Each entry is a Gateway API HTTPHeaderMatch: the header named `name` is forwarded, with its original
 * value, when it is present and its value matches `value`:
 *   - `Exact`: the value equals `value` (case-sensitive);
 *   - `RegularExpression`: `value` is an RE2 regular expression (Gateway API's own dialect: `(?P<name>…)`,
 *     inline flags such as `(?i)`) that must match the WHOLE header value (anchored as `^(?:value)$`).
 *     Patterns are compiled once, when the guard client is built, and shared (re2-pool.ts).
 *
 * Only named headers are ever forwarded, so credentials (`authorization`, `x-api-key`, `api-key`,
 * `cookie`, ...) reach the webhook only when the operator names them in a match. Pseudo-headers (`:path`,
 * ...) and the hop-by-hop / framing headers that would corrupt the webhook request are never forwarded,
 * even when named.
 *
 * The patterns run on RE2 (linear time), never on JavaScript's backtracking engine: a header value is
 * client-controlled, and `(a+)+$` against 30 bytes stalled the whole process for seconds.
 */
import { GuardConfigError } from '../config.js';
import type { HeaderMatch } from '../config.js';
import { acquireRe2, leaseRe2, releaseRe2 } from '../regex/re2-pool.js';
import type { SharedRe2 } from '../regex/re2-pool.js';

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

/**
 * The pattern, anchored for a whole-value match, on RE2 (shared; release it with releaseRe2). `(?<name>…)`
 * is accepted as `(?P<name>…)`. Throws with RE2's message when the pattern is not valid RE2.
 */
export function compileFullMatchRegex(source: string): SharedRe2 {
  const body = source.replace(/(?<!\\)\(\?<(?=[A-Za-z_])/g, '(?P<');
  // Alone first: a pattern like "a)|(b" must not escape the anchors.
  releaseRe2(acquireRe2(body));
  return acquireRe2(`^(?:${body})$`);
}

export interface CompiledHeaderMatches extends ReadonlyArray<CompiledHeaderMatch> {
  /** Gives the compiled patterns back (idempotent). */
  release(): void;
}

export function compileHeaderMatches(
  matches: readonly HeaderMatch[],
  path = 'webhook.forwardHeaderMatches',
): CompiledHeaderMatches {
  const held: SharedRe2[] = [];
  const out = matches.map((m, i): CompiledHeaderMatch => {
    const name = m.name.toLowerCase();
    if (m.type === 'Exact') {
      const want = m.value;
      return { name, matches: (v) => v === want };
    }
    let re: SharedRe2;
    try {
      re = compileFullMatchRegex(m.value);
    } catch (e) {
      for (const r of held) releaseRe2(r);
      throw new GuardConfigError(
        `${path}[${i}].value`,
        `invalid regular expression: ${(e as Error).message}`,
      );
    }
    held.push(re);
    return { name, matches: (v) => re.match(v, 0, false).index >= 0 };
  });
  // Released by the guard cache when a config drops the webhook, or when the matches are collected.
  return Object.assign(out, { release: leaseRe2(out, held) });
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
