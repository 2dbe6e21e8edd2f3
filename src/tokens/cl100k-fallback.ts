// Exact cl100k_base counting for the inputs gpt-tokenizer 4.0.0 gets wrong or handles too slowly.
//
// 1. Parity. A full-BMP sweep plus random fuzzing against tiktoken's `encode(s, [], [])` found two
//    code points where gpt-tokenizer's counts differ:
//    * U+FEFF (BOM / zero-width no-break space). gpt-tokenizer turns byte keys into strings with a
//      TextDecoder that strips a leading BOM, so the 8 vocabulary entries starting with EF BB BF
//      (3305 "\uFEFF", 4117 "\uFEFFusing", ...) are never produced; and JS `\s` contains U+FEFF
//      while tiktoken's (Rust, Unicode White_Space) does not.
//    * U+0085 (NEL): in Rust's `\s`, not in JS's, so e.g. "x \u0085y" is pre-tokenized differently.
// 2. Time. Byte-pair merging one pre-tokenized piece is quadratic in its length in both tiktoken and
//    gpt-tokenizer (a linear scan for the lowest-ranked pair per merge): a 40 KB run of letters takes
//    ~0.5 s, an 8 MiB one hours. Pieces longer than HEAP_MIN_BYTES are merged here with a heap
//    instead, O(n log n), with the same result (lowest rank first, leftmost on ties).
//
// Pre-tokenization uses the cl100k pattern with `\s` spelled out as Unicode White_Space; merging
// uses gpt-tokenizer's own rank table (its data module, not its encoder), re-keyed by text and by
// bytes. Those tables (~50 ms, ~8 MB) are built on first use; warmTokenizer() does it at boot.
// Verified against tiktoken over every BMP code point in several contexts, random fuzzing, and the
// unit tests (which run the linear, heap and cached variants).

import bpeRanks from 'gpt-tokenizer/bpeRanks/cl100k_base';

// Unicode White_Space, which is what `\s` means to tiktoken's Rust regex engine.
const WS = String.raw`\t\n\v\f\r \u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000`;

// tiktoken's cl100k_base pattern (in gpt-tokenizer's fuzz-verified JS spelling) with \s and \S
// replaced by explicit classes.
const SPLIT = new RegExp(
  [
    String.raw`'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE])`,
    String.raw`[^\r\n\p{L}\p{N}]?\p{L}+`,
    String.raw`\p{N}{1,3}`,
    String.raw` ?[^${WS}\p{L}\p{N}]+[\r\n]*`,
    String.raw`[${WS}]+$`,
    String.raw`[${WS}]*[\r\n]`,
    String.raw`[${WS}]+(?![^${WS}])`,
    String.raw`[${WS}]`,
  ].join('|'),
  'gu',
);

/** Pieces longer than this many bytes are merged with the heap instead of the linear scan. */
export const HEAP_MIN_BYTES = 64;

const utf8 = new TextEncoder();
const ASCII = /^[\x00-\x7F]*$/;

interface RankTable {
  /** Rank by the token's text, for tokens that are valid UTF-8 (nearly all): whole-piece lookups. */
  text: Map<string, number>;
  /** Rank of each 2-byte token, indexed by b0 << 8 | b1; -1 when not a token. */
  two: Int32Array;
  /** Rank of each 3-byte token, keyed by b0 << 16 | b1 << 8 | b2 (a small integer key). */
  three: Map<number, number>;
  /** Rank of each token of 4+ bytes, keyed by one U+0000..U+00FF char per byte. */
  long: Map<string, number>;
  maxTokenBytes: number;
}

let table: RankTable | undefined;

function byteString(bytes: Uint8Array, start: number, end: number): string {
  let key = '';
  for (let i = start; i < end; i++) key += String.fromCharCode(bytes[i] ?? 0);
  return key;
}

function rankTable(): RankTable {
  if (table !== undefined) return table;
  const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const t: RankTable = {
    text: new Map(),
    two: new Int32Array(65536).fill(-1),
    three: new Map(),
    long: new Map(),
    maxTokenBytes: 0,
  };
  for (let rank = 0; rank < bpeRanks.length; rank++) {
    const entry = bpeRanks[rank];
    if (entry === undefined) continue;
    if (typeof entry === 'string' && entry.length > 3 && ASCII.test(entry)) {
      t.text.set(entry, rank);
      t.long.set(entry, rank); // ASCII: one char per byte already
      t.maxTokenBytes = Math.max(t.maxTokenBytes, entry.length);
      continue;
    }
    const bytes = typeof entry === 'string' ? utf8.encode(entry) : Uint8Array.from(entry);
    if (typeof entry === 'string') {
      t.text.set(entry, rank);
    } else {
      try {
        t.text.set(strict.decode(bytes), rank); // e.g. the BOM tokens gpt-tokenizer stores as bytes
      } catch {
        // not valid UTF-8 on its own: only reachable through merges
      }
    }
    const [b0 = 0, b1 = 0, b2 = 0] = bytes;
    if (bytes.length === 2) t.two[(b0 << 8) | b1] = rank;
    else if (bytes.length === 3) t.three.set((b0 << 16) | (b1 << 8) | b2, rank);
    else if (bytes.length > 3) t.long.set(byteString(bytes, 0, bytes.length), rank);
    t.maxTokenBytes = Math.max(t.maxTokenBytes, bytes.length);
  }
  table = t;
  return t;
}

/** Rank of bytes[start, end) (at least 2 bytes), or Infinity when that sequence is not a token. */
function rankOf(t: RankTable, bytes: Uint8Array, start: number, end: number): number {
  switch (end - start) {
    case 2: {
      const r = t.two[((bytes[start] ?? 0) << 8) | (bytes[start + 1] ?? 0)] ?? -1;
      return r < 0 ? Infinity : r;
    }
    case 3:
      return (
        t.three.get(((bytes[start] ?? 0) << 16) | ((bytes[start + 1] ?? 0) << 8) | (bytes[start + 2] ?? 0)) ??
        Infinity
      );
    default:
      if (end - start > t.maxTokenBytes) return Infinity;
      return t.long.get(byteString(bytes, start, end)) ?? Infinity;
  }
}

/** tiktoken's byte_pair_merge, counting the parts: a linear scan for the lowest rank per merge. */
function mergeCountLinear(t: RankTable, piece: Uint8Array): number {
  // boundaries[i] is where part i starts; the last entry is piece.length.
  const boundaries: number[] = [];
  for (let i = 0; i <= piece.length; i++) boundaries.push(i);
  const pairRank = (i: number): number => {
    const start = boundaries[i];
    const end = boundaries[i + 2];
    return start === undefined || end === undefined ? Infinity : rankOf(t, piece, start, end);
  };
  const ranks: number[] = [];
  for (let i = 0; i < piece.length; i++) ranks.push(pairRank(i));
  for (;;) {
    let best = Infinity;
    let at = -1;
    for (let i = 0; i < ranks.length; i++) {
      const r = ranks[i] ?? Infinity;
      if (r < best) {
        best = r;
        at = i;
      }
    }
    if (at < 0) return boundaries.length - 1;
    boundaries.splice(at + 1, 1);
    ranks.splice(at + 1, 1);
    ranks[at] = pairRank(at);
    if (at > 0) ranks[at - 1] = pairRank(at - 1);
  }
}

/**
 * The same merge order (lowest rank, then leftmost), driven by a binary min-heap with lazy deletion:
 * O(n log n) for a piece of n bytes. Parts are identified by their start offset and kept in a
 * linked list. A heap entry records the end of its pair; since parts only grow, the entry is current
 * exactly when its left part is alive and the pair still ends there.
 */
function mergeCountHeap(t: RankTable, piece: Uint8Array): number {
  const n = piece.length;
  const next = new Int32Array(n + 1); // start of the following part (n after the last part)
  const prev = new Int32Array(n); // start of the preceding part (-1 before the first part)
  const dead = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    next[i] = i + 1;
    prev[i] = i - 1;
  }
  next[n] = n;
  // Heap entries: key = rank * 2^32 + start (exact in a double: rank < 2^17, start < 2^32),
  // so ordering by key is ordering by rank, then start. `ends` holds each entry's pair end.
  let keys = new Float64Array(Math.max(16, n));
  let ends = new Int32Array(keys.length);
  let size = 0;
  const push = (start: number): void => {
    const mid = next[start] ?? n;
    if (mid >= n) return;
    const end = next[mid] ?? n;
    const rank = rankOf(t, piece, start, end);
    if (rank === Infinity) return;
    if (size === keys.length) {
      const k = new Float64Array(size * 2);
      k.set(keys);
      keys = k;
      const e = new Int32Array(size * 2);
      e.set(ends);
      ends = e;
    }
    const key = rank * 4294967296 + start;
    let i = size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pk = keys[parent] ?? 0;
      if (pk <= key) break;
      keys[i] = pk;
      ends[i] = ends[parent] ?? 0;
      i = parent;
    }
    keys[i] = key;
    ends[i] = end;
  };
  const popTop = (): void => {
    size--;
    const key = keys[size] ?? 0;
    const end = ends[size] ?? 0;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= size) break;
      const right = child + 1;
      if (right < size && (keys[right] ?? 0) < (keys[child] ?? 0)) child = right;
      if ((keys[child] ?? 0) >= key) break;
      keys[i] = keys[child] ?? 0;
      ends[i] = ends[child] ?? 0;
      i = child;
    }
    keys[i] = key;
    ends[i] = end;
  };

  for (let i = 0; i < n - 1; i++) push(i);
  let parts = n;
  while (size > 0) {
    const start = (keys[0] ?? 0) % 4294967296;
    const end = ends[0] ?? 0;
    popTop();
    const right = next[start] ?? n;
    if (dead[start] === 1 || (next[right] ?? n) !== end) continue; // stale
    // Merge part `start` with the part after it.
    next[start] = end;
    if (end < n) prev[end] = start;
    dead[right] = 1;
    parts--;
    push(start);
    const before = prev[start] ?? -1;
    if (before >= 0) push(before);
  }
  return parts;
}

function pieceCount(t: RankTable, piece: Uint8Array, heapMinBytes: number): number {
  if (piece.length <= 1) return piece.length;
  if (rankOf(t, piece, 0, piece.length) !== Infinity) return 1;
  return piece.length > heapMinBytes ? mergeCountHeap(t, piece) : mergeCountLinear(t, piece);
}

// Counts of recently merged multi-token pieces. Chat traffic resends the whole conversation on
// every turn, so the same pieces come back; unspaced CJK text always takes this path. Cleared when
// full (no LRU bookkeeping); pieces longer than CACHE_MAX_PIECE chars are never cached.
const CACHE_MAX_ENTRIES = 20_000;
const CACHE_MAX_PIECE = 256;
const mergeCache = new Map<string, number>();

export interface ExactOptions {
  /** Pieces longer than this many bytes use the heap merge (default HEAP_MIN_BYTES; 0 = always). */
  heapMinBytes?: number;
  /** Use the piece cache (default true; tests turn it off to exercise the merges). */
  cache?: boolean;
}

/**
 * cl100k_base token count, identical to tiktoken `encode(text, [], []).length` (special-token text
 * is plain text), without gpt-tokenizer's pre-tokenizer or merge code.
 */
export function countTokensExact(text: string, options: ExactOptions = {}): number {
  const t = rankTable();
  const heapMinBytes = options.heapMinBytes ?? HEAP_MIN_BYTES;
  const useCache = options.cache ?? true;
  let count = 0;
  for (const match of text.matchAll(SPLIT)) {
    const piece = match[0];
    if (t.text.has(piece)) {
      count++;
      continue;
    }
    const cacheable = useCache && piece.length <= CACHE_MAX_PIECE;
    const cached = cacheable ? mergeCache.get(piece) : undefined;
    if (cached !== undefined) {
      count += cached;
      continue;
    }
    const n = pieceCount(t, utf8.encode(piece), heapMinBytes);
    if (cacheable) {
      if (mergeCache.size >= CACHE_MAX_ENTRIES) mergeCache.clear();
      mergeCache.set(piece, n);
    }
    count += n;
  }
  return count;
}

/** Empties the exact path's piece cache (for benchmarks measuring the uncached cost). */
export function clearExactCache(): void {
  mergeCache.clear();
}
