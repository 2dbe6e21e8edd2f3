/**
 * The regex prompt guard (docs/reference/kgateway-contract.md §3.3): Presidio's builtin recognizers ported to JS plus
 * custom patterns on RE2, Presidio's conflict resolution and `<ENTITY>` masks, and a streaming hold-back.
 * Pure: strings in, strings out.
 */
import type { RegexGuard } from '../config.js';
import { GuardConfigError } from '../config.js';
import type { BuiltinEntity, EntityType, Span } from './builtins.js';
import { BUILTIN_FINDERS } from './builtins.js';
import type { CustomMatcher } from './custom.js';
import { compileCustom } from './custom.js';
import { holdBack } from './holdback.js';
import { applyMasks, resolveSpans } from './resolve.js';

export type { BuiltinEntity, EntityType } from './builtins.js';
export { GuardBudgetError, MASKS, withGuardBudget } from './builtins.js';

export interface MaskResult {
  readonly text: string;
  /** One entry per mask applied, in text order: 'CREDIT_CARD' | 'SSN' | 'PHONE_NUMBER' | 'EMAIL' | 'CUSTOM'. */
  readonly entities: readonly string[];
}

export interface CompiledRegexGuard {
  readonly action: 'MASK' | 'REJECT';
  /** Masks every match (builtins + custom). Unchanged text returns the same string and entities []. */
  mask(text: string): MaskResult;
  /** True if any match exists (REJECT). */
  test(text: string): boolean;
  /**
   * Streaming support: how many trailing characters (UTF-16 units) of `text` must be held back because
   * more text could still turn them into, or extend, a match. Releasing `text.slice(0, len - holdBack)`
   * masked now and masking the rest together with what follows later equals masking everything at once
   * (see holdback.ts for the exact guarantee). `text` must itself start at a released boundary.
   */
  holdBack(text: string): number;
  /**
   * Gives its compiled custom patterns back (the guard cache calls it when a config no longer uses the
   * guard). Idempotent; a stream still using the guard keeps working.
   */
  release(): void;
}

export interface RegexGuardOptions {
  /** Longest custom-pattern match the streaming hold-back guarantees (docs/reference/decisions.md). Default 256. */
  readonly maxCustomMatchChars?: number;
  /** Longest tail held back when no exact cut exists (a giant email-ish token). Default 4096. */
  readonly maxHoldChars?: number;
  /** Config path used in error messages. Default 'regex'. */
  readonly configPath?: string;
}

export const DEFAULT_MAX_CUSTOM_MATCH_CHARS = 256;
export const DEFAULT_MAX_HOLD_CHARS = 4096;

const EMPTY: readonly string[] = Object.freeze([]);

function customFor(patterns: readonly string[], configPath: string): CustomMatcher | undefined {
  // Each pattern is compiled once for the whole process and shared (re2-pool.ts).
  return compileCustom(patterns, (i, message) => {
    throw new GuardConfigError(
      `${configPath}.matches[${i}].pattern`,
      `pattern ${JSON.stringify(patterns[i])} cannot be used: ${message}`,
    );
  });
}

function positiveInt(v: number | undefined, dflt: number, name: string, path: string): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 1) throw new GuardConfigError(path, `${name} must be a positive integer`);
  return v;
}

/** Compiles a regex guard. Throws GuardConfigError naming the pattern index for an unusable pattern. */
export function compileRegexGuard(cfg: RegexGuard, opts: RegexGuardOptions = {}): CompiledRegexGuard {
  const path = opts.configPath ?? 'regex';
  const maxCustom = positiveInt(
    opts.maxCustomMatchChars,
    DEFAULT_MAX_CUSTOM_MATCH_CHARS,
    'maxCustomMatchChars',
    path,
  );
  const maxHold = positiveInt(opts.maxHoldChars, DEFAULT_MAX_HOLD_CHARS, 'maxHoldChars', path);
  const builtins = [...new Set<BuiltinEntity>(cfg.builtins)];
  const custom = customFor(
    cfg.matches.map((m) => m.pattern),
    path,
  );
  // Presidio keeps the later recognizer's result when two tie on offsets and score: builtins in config
  // order, then the custom recognizer.
  const rankOf = new Map<EntityType, number>(builtins.map((b, i) => [b, i]));
  rankOf.set('CUSTOM', builtins.length);
  const rank = (e: EntityType): number => rankOf.get(e) ?? 0;
  const finders = builtins.map((b) => BUILTIN_FINDERS[b]);
  // Cheapest first for test(): one RE2 scan, the email '@' scan, the digit regexes, then phones.
  const testOrder: readonly BuiltinEntity[] = (
    ['EMAIL', 'CREDIT_CARD', 'SSN', 'PHONE_NUMBER'] as const
  ).filter((b) => builtins.includes(b));

  const customSpans = (text: string, out: Span[]): void => {
    if (custom === undefined) return;
    const found: { start: number; end: number }[] = [];
    custom.find(text, found);
    for (const f of found) out.push({ start: f.start, end: f.end, entity: 'CUSTOM', score: 1 });
  };

  const spec = {
    card: builtins.includes('CREDIT_CARD'),
    ssn: builtins.includes('SSN'),
    phone: builtins.includes('PHONE_NUMBER'),
    email: builtins.includes('EMAIL'),
    customSpans:
      custom === undefined
        ? undefined
        : (text: string): { start: number; end: number }[] => {
            const found: { start: number; end: number }[] = [];
            custom.find(text, found);
            return found;
          },
    maxCustomMatchChars: maxCustom,
    maxHoldChars: maxHold,
  };

  return {
    action: cfg.action,
    mask(text) {
      if (text === '') return { text, entities: EMPTY };
      const spans: Span[] = [];
      for (const find of finders) find(text, spans);
      customSpans(text, spans);
      if (spans.length === 0) return { text, entities: EMPTY };
      const resolved = resolveSpans(spans, rank);
      return { text: applyMasks(text, resolved), entities: resolved.map((s) => s.entity) };
    },
    test(text) {
      if (text === '') return false;
      if (custom?.test(text) === true) return true;
      const spans: Span[] = [];
      for (const b of testOrder) {
        BUILTIN_FINDERS[b](text, spans);
        if (spans.length > 0) return true;
      }
      return false;
    },
    holdBack(text) {
      return holdBack(spec, text);
    },
    release() {
      custom?.release();
    },
  };
}
