/**
 * Approximate prefix-cache affinity, as the reference picker's data producer does it: a prompt is
 * cut into blocks of BLOCK_CHARS characters (16 tokens at 4 characters a token), each block hashed
 * together with the one before it, so a block's hash names the whole prefix up to it. Each server
 * keeps an LRU of the block hashes it served lately; a server's score is the share of the prompt's
 * blocks, counted from the start, found in its LRU.
 */

export const BLOCK_CHARS = 64;
/** Blocks remembered per server (the reference default). */
export const LRU_BLOCKS = 31_250;
/** Matching stops here: 131,072 tokens at 4 characters a token. */
export const MAX_PREFIX_CHARS = 131_072 * 4;

/**
 * MurmurHash3-style 32-bit hash of a block, two UTF-16 code units a step, seeded with the previous
 * block's hash (so a hash names its whole prefix). Non-cryptographic: a collision only costs a
 * wrong affinity guess.
 */
function hashBlock(text: string, from: number, to: number, seed: number): number {
  let h = seed | 0;
  let i = from;
  for (; i + 1 < to; i += 2) {
    let k = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < to) h ^= Math.imul(text.charCodeAt(i), 0xcc9e2d51);
  h ^= to - from;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The chained hashes of a prompt's complete blocks (a trailing partial block is not cached). */
export function prefixHashes(prompt: string): number[] {
  const len = Math.min(prompt.length, MAX_PREFIX_CHARS);
  const out: number[] = [];
  let prev = 0;
  for (let at = 0; at + BLOCK_CHARS <= len; at += BLOCK_CHARS) {
    prev = hashBlock(prompt, at, at + BLOCK_CHARS, prev);
    out.push(prev);
  }
  return out;
}

/** One server's recently served blocks: insertion order is recency (Map keeps it). */
export class BlockLru {
  private readonly blocks = new Map<number, true>();
  constructor(private readonly capacity = LRU_BLOCKS) {}

  get size(): number {
    return this.blocks.size;
  }

  add(hashes: readonly number[]): void {
    for (const h of hashes) {
      this.blocks.delete(h);
      this.blocks.set(h, true);
    }
    while (this.blocks.size > this.capacity) {
      const oldest = this.blocks.keys().next();
      if (oldest.done) break;
      this.blocks.delete(oldest.value);
    }
  }

  /** Leading blocks present (a chained hash present means its whole prefix was served). */
  matched(hashes: readonly number[]): number {
    let n = 0;
    for (const h of hashes) {
      if (!this.blocks.has(h)) break;
      n++;
    }
    return n;
  }
}

/** Per-server LRUs of one pool. */
export class PrefixIndex {
  private readonly servers = new Map<string, BlockLru>();
  constructor(private readonly capacity = LRU_BLOCKS) {}

  /** The served endpoint answered this prompt: its cache now holds the prefix. */
  served(endpoint: string, hashes: readonly number[]): void {
    if (hashes.length === 0) return;
    let lru = this.servers.get(endpoint);
    if (!lru) this.servers.set(endpoint, (lru = new BlockLru(this.capacity)));
    lru.add(hashes);
  }

  /** matched blocks / total blocks, 0 for a prompt shorter than one block. */
  score(endpoint: string, hashes: readonly number[]): number {
    if (hashes.length === 0) return 0;
    return (this.servers.get(endpoint)?.matched(hashes) ?? 0) / hashes.length;
  }

  /** Forget servers no longer in the pool. */
  retain(endpoints: ReadonlySet<string>): void {
    for (const k of [...this.servers.keys()]) if (!endpoints.has(k)) this.servers.delete(k);
  }
}
