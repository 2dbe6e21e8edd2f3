// cl100k_base token counting, identical to tiktoken's `encode(text, [], []).length`.
//
// Encoder: gpt-tokenizer (pure JS), chosen over tiktoken's WASM build by bench/tokenizers.ts: about
// half the cold start and 6-10x faster on English, code and chat bodies, with identical counts once
// the inputs below are routed around it. The encoder and its rank table are built once when this
// module is first imported; `warmTokenizer()` lets the server pay the rest at boot.
//
// Special-token text such as "<|endoftext|>" or "<|fim_prefix|>" is ordinary user text here: it is
// neither rejected (gpt-tokenizer's default throws) nor mapped to its special id; it is split and
// byte-pair encoded like any other characters, exactly like tiktoken with allowed = disallowed = [].
//
// Text containing U+FEFF or U+0085 (where gpt-tokenizer 4.0.0 differs from tiktoken) or a very long
// run of one character class (where its merge is quadratic) goes to an exact fallback instead (see
// cl100k-fallback.ts).

import cl100k, { countTokens as gptCountTokens } from 'gpt-tokenizer/encoding/cl100k_base';

import { countTokensExact } from './cl100k-fallback.js';

/** The tiktoken encoding these counts match. */
export const TOKENIZER_ENCODING = 'cl100k_base';

// Empty disallowed set + no allowed set: special-token text is plain text. Built once, reused.
const PLAIN_TEXT: { disallowedSpecial: Set<string> } = { disallowedSpecial: new Set<string>() };

// Text sent to the exact path instead of gpt-tokenizer (both give tiktoken's count):
// * anything containing U+0085 or U+FEFF, on which gpt-tokenizer 4.0.0 alone disagrees with tiktoken;
// * anything with a run of LONG_RUN or more whitespace or non-whitespace UTF-16 units. A
//   pre-tokenized piece spans at most two adjacent runs plus one character, so below that
//   gpt-tokenizer's merge, quadratic in the piece length, stays cheap; above it the exact path
//   merges with a heap (a single 40 KB word costs gpt-tokenizer ~0.5 s, tiktoken ~0.8 s, and that
//   grows with the square of its length). Unspaced CJK text usually takes this path too, which is
//   also the faster one for it when the text is not already cached.
export const LONG_RUN = 64;

// Unicode White_Space above ASCII (minus U+0085, handled separately), as JS `\s` sees it.
function isWideSpace(c: number): boolean {
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

function needsExactPath(text: string): boolean {
  if (text.indexOf('\uFEFF') !== -1 || text.indexOf('\u0085') !== -1) return true;
  let runStart = 0;
  let inSpace = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const space = c <= 0x20 ? c === 0x20 || (c >= 0x09 && c <= 0x0d) : c >= 0xa0 && isWideSpace(c);
    if (space !== inSpace) {
      inSpace = space;
      runStart = i;
    } else if (i - runStart >= LONG_RUN - 1) {
      return true;
    }
  }
  return false;
}

/** The parts of gpt-tokenizer 4.0.0's BytePairEncodingCore that its own countNative uses. */
interface BpeCore {
  readonly bytePairStringRankEncoder: Map<string, number>;
  readonly tokenSplitRegex: RegExp;
  bytePairEncode(piece: string): { readonly length: number };
}

function bpeCoreOf(api: unknown): BpeCore | undefined {
  const core = (api as { bytePairEncodingCoreProcessor?: Partial<BpeCore> } | undefined)
    ?.bytePairEncodingCoreProcessor;
  return core &&
    core.bytePairStringRankEncoder instanceof Map &&
    core.tokenSplitRegex instanceof RegExp &&
    typeof core.bytePairEncode === 'function'
    ? (core as BpeCore)
    : undefined;
}

const CORE = bpeCoreOf(cl100k);
/** Whether countTokens runs its own allocation-free loop over gpt-tokenizer's tables (else countNative). */
export const OWN_COUNT_LOOP = CORE !== undefined;
// The same pre-tokenizer, sticky: cl100k's split pattern matches at every position, so stepping
// match by match from 0 visits exactly the pieces matchAll() finds (and a sticky miss, which should
// not happen, falls back to countNative). test() allocates no match array.
const SPLIT = CORE
  ? new RegExp(CORE.tokenSplitRegex.source, `${CORE.tokenSplitRegex.flags.replace('g', '')}y`)
  : undefined;

/**
 * gpt-tokenizer's countNative, minus its per-piece garbage: it allocates a match array and an
 * iterator result for every pre-token (about 30 KB per KiB of prompt), which under load means more
 * young-generation GCs. Same rank table, same merge (and merge cache) for pieces that are not a
 * single token. Falls back to countNative if the internals are not where 4.0.0 keeps them.
 */
function countPlain(text: string): number {
  if (!CORE || !SPLIT) return gptCountTokens(text, PLAIN_TEXT);
  const ranks = CORE.bytePairStringRankEncoder;
  let count = 0;
  let at = 0;
  while (at < text.length) {
    SPLIT.lastIndex = at;
    if (!SPLIT.test(text)) return gptCountTokens(text, PLAIN_TEXT);
    const end = SPLIT.lastIndex;
    const piece = text.slice(at, end);
    if (ranks.get(piece) !== undefined) count++;
    else count += CORE.bytePairEncode(piece).length;
    at = end;
  }
  return count;
}

/** Number of cl100k_base tokens in `text`, treating special-token text as plain text. Never throws. */
export function countTokens(text: string): number {
  if (text.length === 0) return 0;
  if (needsExactPath(text)) return countTokensExact(text);
  return countPlain(text);
}

/**
 * Pays the tokenizer's cold start at boot instead of on the first request: the module load already
 * built gpt-tokenizer's rank table; this runs the encode path once (regex compilation, JIT) and also
 * builds the exact path's rank tables (~50 ms, ~8 MB), so the first request that needs that path
 * (U+FEFF, U+0085, long runs, unspaced CJK) does not stall the event loop. Returns the probe's
 * token count so the work cannot be optimised away.
 */
export function warmTokenizer(): number {
  return countTokens('Hello, world! <|endoftext|> 你好 1234 \n  ') + countTokens('\uFEFFwarm');
}
