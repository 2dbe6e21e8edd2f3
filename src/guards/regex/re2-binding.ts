/**
 * The embind wrapper under re2-wasm, shared by guard patterns and config header matches.
 *
 * re2-wasm's public RE2 class re-encodes the whole input on every exec and converts its start
 * offset character by character, which makes scanning for many matches quadratic; the wrapper
 * underneath takes the input as bytes. The wasm module instantiates synchronously, at import
 * (~70 ms), not on the first request.
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
export const RE2 = (require('re2-wasm/build/wasm/re2.js') as { WrappedRE2: WrappedRE2Ctor }).WrappedRE2;

/** Frees a wasm-side regex when its owner is garbage collected (configs are replaced on reload). */
export const FREE_RE2 = new FinalizationRegistry<WrappedRE2>((re) => {
  try {
    re.delete();
  } catch {
    // already freed
  }
});
