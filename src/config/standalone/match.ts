/**
 * Route conditions. Header regexes run on RE2 (linear time: a client-controlled header cannot hang the
 * server) and must match the whole value, as Envoy's safe_regex header matches do.
 */
import { acquireRe2, leaseRe2, releaseRe2 } from '../../guards/regex/re2-pool.js';

/** A whole-value RE2 matcher, or an error message. */
export function fullMatcher(pattern: string): ((value: string) => boolean) | string {
  try {
    // Alone first: a pattern like "a)|(b" must not escape the anchors below.
    releaseRe2(acquireRe2(pattern));
    const re = acquireRe2(`^(?:${pattern})$`);
    const test = (value: string): boolean => re.match(value, 0, false).index >= 0;
    // Shared with every other route using the pattern; given back when the old config is collected.
    leaseRe2(test, [re]);
    return test;
  } catch (err) {
    return `is not a valid RE2 regex: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** Path without query or fragment. */
export function pathOnly(path: string): string {
  const cut = path.search(/[?#]/);
  return cut < 0 ? path : path.slice(0, cut);
}

/**
 * Prefix on segment boundaries: "/v1/chat" matches /v1/chat and /v1/chat/x, not /v1/chatty. A prefix
 * ending in "/" is a plain prefix ("/" matches everything).
 */
export function prefixMatcher(prefix: string): (path: string) => boolean {
  if (prefix.endsWith('/')) return (p) => p.startsWith(prefix);
  return (p) => p === prefix || (p.startsWith(prefix) && p.charCodeAt(prefix.length) === 0x2f);
}

function splitPort(authority: string): { host: string; port: string | undefined } {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(authority);
  return m ? { host: m[1] ?? '', port: m[2] } : { host: authority, port: undefined };
}

/**
 * Case-insensitive host match. "*.example.com" matches any subdomain (not example.com itself). Without a
 * port in the pattern, any port matches; with one, the port must be equal.
 */
export function authorityMatcher(pattern: string): (authority: string) => boolean {
  const want = splitPort(pattern.toLowerCase());
  const wildcard = want.host.startsWith('*.') ? want.host.slice(1) : undefined;
  return (authority) => {
    const got = splitPort(authority.toLowerCase());
    if (want.port !== undefined && got.port !== want.port) return false;
    return wildcard !== undefined
      ? got.host.endsWith(wildcard) && got.host.length > wildcard.length
      : got.host === want.host;
  };
}
