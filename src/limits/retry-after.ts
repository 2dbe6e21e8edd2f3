/**
 * How long a provider asked us to stay away, from its rate-limit hints: `retry-after-ms`,
 * `retry-after` (seconds or an HTTP date), `x-ratelimit-reset` (seconds, or a Unix time when it
 * is that large). Failover uses it as a target's cooldown instead of waiting for it.
 */

/** Hints above this are not believed (a broken header must not bench a target for days). */
export const MAX_HINT_MS = 3_600_000;
/** `x-ratelimit-reset` values above this are Unix times in seconds, not durations. */
const EPOCH_SECONDS = 1_000_000_000;

const SECONDS = /^\d{1,10}(\.\d{1,6})?$/;
/** IMF-fixdate and its obsolete forms all name the weekday or month in letters. */
const HTTP_DATE = /^[A-Za-z]{3}/;

function seconds(v: string): number | undefined {
  return SECONDS.test(v) ? Number(v) : undefined;
}

/** Milliseconds to wait, or undefined when no hint is present or readable; capped at MAX_HINT_MS. */
export function retryAfterMs(get: (name: string) => string | undefined, nowMs: number): number | undefined {
  const cap = (ms: number): number => Math.min(Math.max(0, Math.ceil(ms)), MAX_HINT_MS);
  const ms = get('retry-after-ms')?.trim();
  if (ms !== undefined && seconds(ms) !== undefined) return cap(Number(ms));
  const ra = get('retry-after')?.trim();
  if (ra !== undefined && ra !== '') {
    const s = seconds(ra);
    if (s !== undefined) return cap(s * 1000);
    // An HTTP date: at most 64 characters keeps Date.parse cheap on hostile input.
    const at = ra.length <= 64 && HTTP_DATE.test(ra) ? Date.parse(ra) : NaN;
    if (Number.isFinite(at)) return cap(at - nowMs);
  }
  const reset = get('x-ratelimit-reset')?.trim();
  if (reset !== undefined) {
    const s = seconds(reset);
    if (s !== undefined) return cap(s >= EPOCH_SECONDS ? s * 1000 - nowMs : s * 1000);
  }
  return undefined;
}
