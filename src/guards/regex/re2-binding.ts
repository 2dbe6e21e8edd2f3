/**
 * The embind wrapper under re2-wasm, shared by guard patterns and config header matches (through
 * re2-pool.ts, which owns every compiled regex).
 *
 * re2-wasm's public RE2 class re-encodes the whole input on every exec and converts its start
 * offset character by character, which makes scanning for many matches quadratic; the wrapper
 * underneath takes the input as bytes. The wasm module instantiates synchronously, at import
 * (~70 ms), not on the first request.
 *
 * Its heap is fixed at 16 MiB (the build allows no growth), and an allocation past it aborts the
 * whole module: every regex compiled in it stops working. {@link resetRe2Module} loads a fresh
 * instance; regexes are recompiled in it on their next use (re2-pool.ts).
 */
import { createRequire } from 'node:module';

export interface WrappedMatch {
  match: string;
  index: number;
}

export interface WrappedRE2 {
  ok(): boolean;
  error(): string;
  match(input: string | Uint8Array, start: number, captures: boolean): WrappedMatch;
  delete(): void;
}

export type WrappedRE2Ctor = new (
  pattern: string,
  ignoreCase: boolean,
  multiline: boolean,
  dotAll: boolean,
) => WrappedRE2;

const require = createRequire(import.meta.url);
const MODULE_PATH = require.resolve('re2-wasm/build/wasm/re2.js');

function loadModule(): WrappedRE2Ctor {
  delete require.cache[MODULE_PATH];
  return (require(MODULE_PATH) as { WrappedRE2: WrappedRE2Ctor }).WrappedRE2;
}

let current = loadModule();
let instance = 0;

/** Which module instance compiles now; a regex from an earlier one no longer works. */
export function re2Instance(): number {
  return instance;
}

/** Compiles in the current instance (check `ok()`). */
export function newWrappedRe2(
  pattern: string,
  ignoreCase: boolean,
  multiline: boolean,
  dotAll: boolean,
): WrappedRE2 {
  return new current(pattern, ignoreCase, multiline, dotAll);
}

/** Replaces an aborted module with a fresh one (a new, empty 16 MiB heap). */
export function resetRe2Module(): void {
  current = loadModule();
  instance++;
}

/** An error thrown by an aborted module (its heap ran out, or it had aborted before). */
export function isRe2Abort(err: unknown): boolean {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.includes('abort(') || msg.includes('aborted');
}

/** Frees a wasm-side regex when its owner is garbage collected (configs are replaced on reload). */
export const FREE_RE2 = new FinalizationRegistry<{ re: WrappedRE2; instance: number }>((held) => {
  if (held.instance !== instance) return; // its module is gone
  try {
    held.re.delete();
  } catch {
    // already freed
  }
});
