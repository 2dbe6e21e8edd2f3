/**
 * Every compiled RE2 regex, shared: one wasm object per distinct pattern and flags, whichever guards,
 * routes or header matches use it, counted by reference and freed when the last user releases it.
 *
 * RE2's wasm heap is fixed at 16 MiB and one Unicode `\w`-style pattern costs about 200 KiB there,
 * so compiling each route's patterns on their own ran the heap out after a few dozen routes.
 * Freeing is explicit (the guard cache releases what a config reload dropped); a garbage-collected
 * owner that was never released gives its references back too. A stream still using a released
 * pattern keeps working: the pattern is compiled again for it. If the heap aborts anyway, the
 * module is replaced and the patterns still in use are compiled again on their next use.
 */
import type { WrappedMatch, WrappedRE2 } from './re2-binding.js';
import { FREE_RE2, isRe2Abort, newWrappedRe2, re2Instance, resetRe2Module } from './re2-binding.js';

export class PatternError extends Error {}

type Flags = readonly [ignoreCase: boolean, multiline: boolean, dotAll: boolean];

function compile(source: string, flags: Flags): WrappedRE2 {
  for (let attempt = 0; ; attempt++) {
    let re: WrappedRE2;
    try {
      re = newWrappedRe2(source, ...flags);
    } catch (err) {
      if (!isRe2Abort(err)) throw err;
      if (attempt > 0)
        throw new PatternError('RE2 ran out of memory: too many distinct patterns are in use at once');
      resetRe2Module();
      continue;
    }
    if (!re.ok()) {
      const msg = re.error();
      re.delete();
      throw new PatternError(msg);
    }
    return re;
  }
}

/** One shared compiled pattern. */
export class SharedRe2 {
  refs = 0;
  #re: WrappedRE2 | undefined;
  #instance = -1;
  constructor(
    readonly key: string,
    private readonly source: string,
    private readonly flags: Flags,
  ) {}

  match(input: string | Uint8Array, start: number, captures: boolean): WrappedMatch {
    try {
      return this.compiled().match(input, start, captures);
    } catch (err) {
      if (!isRe2Abort(err)) throw err;
      // The heap ran out mid-match (RE2's DFA cache): start again on a fresh module, once.
      if (this.#instance === re2Instance()) resetRe2Module();
      return this.compiled().match(input, start, captures);
    }
  }

  /** The wasm object, compiled again if it was freed or its module was replaced. */
  compiled(): WrappedRE2 {
    if (this.#re === undefined || this.#instance !== re2Instance()) {
      this.#re = undefined;
      const re = compile(this.source, this.flags);
      this.#re = re;
      this.#instance = re2Instance();
      FREE_RE2.unregister(this);
      FREE_RE2.register(this, { re, instance: this.#instance }, this);
    }
    return this.#re;
  }

  /** Frees the wasm object now; a later match compiles it again. */
  free(): void {
    const re = this.#re;
    this.#re = undefined;
    FREE_RE2.unregister(this);
    if (re === undefined || this.#instance !== re2Instance()) return;
    try {
      re.delete();
    } catch {
      // its module aborted
    }
  }
}

const POOL = new Map<string, SharedRe2>();

/** The shared compiled pattern (one reference more). Throws PatternError when RE2 cannot compile it. */
export function acquireRe2(source: string, ignoreCase = false, multiline = false, dotAll = false): SharedRe2 {
  const key = `${ignoreCase ? 'i' : ''}${multiline ? 'm' : ''}${dotAll ? 's' : ''}/${source}`;
  let h = POOL.get(key);
  if (h === undefined) {
    h = new SharedRe2(key, source, [ignoreCase, multiline, dotAll]);
    h.compiled();
    POOL.set(key, h);
  }
  h.refs++;
  return h;
}

/** One reference less; the last one frees the pattern. */
export function releaseRe2(h: SharedRe2): void {
  if (h.refs <= 0) return;
  h.refs--;
  if (h.refs > 0) return;
  if (POOL.get(h.key) === h) POOL.delete(h.key);
  h.free();
}

/** Distinct compiled patterns in use. */
export function re2PoolSize(): number {
  return POOL.size;
}

const RELEASE = new FinalizationRegistry<readonly SharedRe2[]>((handles) => {
  for (const h of handles) releaseRe2(h);
});

/**
 * Ties `handles` to `owner`: the returned function releases them (idempotent); if it is never called,
 * they are released when `owner` is garbage collected.
 */
export function leaseRe2(owner: object, handles: readonly SharedRe2[]): () => void {
  if (handles.length === 0) return () => undefined;
  const token = {};
  RELEASE.register(owner, handles, token);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    RELEASE.unregister(token);
    for (const h of handles) releaseRe2(h);
  };
}
