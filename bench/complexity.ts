/**
 * Complexity checks that used to be timed assertions in the test suite (tests assert correctness,
 * never speed). Each case runs at size n and 2n and reports the time ratio: about 2 means linear,
 * about 4 quadratic. Plus the per-call figures the tests once bounded.
 * Run: node dist/bench/complexity.js   (BENCH_QUICK=1: fewer repeats)
 */
import { countTokens } from '../src/tokens/tokenizer.js';
import { compileRegexGuard } from '../src/guards/regex/index.js';
import type { Builtin } from '../src/guards/config.js';

const QUICK = process.env.BENCH_QUICK === '1';
const REPEATS = QUICK ? 1 : 3;
const ALL: Builtin[] = ['CREDIT_CARD', 'SSN', 'PHONE_NUMBER', 'EMAIL'];

/** Best of REPEATS, in ms. */
function best(fn: () => void): number {
  let min = Infinity;
  for (let i = 0; i < REPEATS; i++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

interface Case {
  readonly name: string;
  /** Builds the work for a size multiplier (1 or 2). */
  readonly make: (k: number) => () => void;
}

const guard = (builtins: Builtin[], patterns: string[] = []) =>
  compileRegexGuard({ action: 'MASK', builtins, matches: patterns.map((pattern) => ({ pattern })) });

const CASES: readonly Case[] = [
  {
    name: 'tokenizer: one hostile word of "ab" × 256 Ki·k',
    make: (k) => {
      const word = 'ab'.repeat(256 * 1024 * k);
      return () => void countTokens(word);
    },
  },
  {
    name: 'EMAIL guard: "a." × 1 M·k + "@" + "b-" × 500 k·k',
    make: (k) => {
      const g = guard(['EMAIL']);
      const t = 'a.'.repeat(1_000_000 * k) + '@' + 'b-'.repeat(500_000 * k);
      return () => void g.mask(t);
    },
  },
  {
    name: 'custom patterns (a+)+$ and (x|x)*y on 500 k·k characters',
    make: (k) => {
      const g = guard([], ['(a+)+$', '(x|x)*y']);
      const s = 'a'.repeat(250_000 * k) + '!' + 'x'.repeat(250_000 * k);
      return () => void g.mask(s);
    },
  },
  {
    name: 'custom pattern key\\d with 10 k·k matches',
    make: (k) => {
      const g = guard([], ['key\\d']);
      const s = 'key1 '.repeat(10_000 * k);
      return () => void g.mask(s);
    },
  },
];

function main(): void {
  const rows: string[] = [
    '| case | n (ms) | 2n (ms) | 2n / n (2 = linear, 4 = quadratic) |',
    '|---|---:|---:|---:|',
  ];
  for (const c of CASES) {
    const a = best(c.make(1));
    const b = best(c.make(2));
    rows.push(`| ${c.name} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(b / a).toFixed(2)} |`);
  }
  const hold = compileRegexGuard({ action: 'MASK', builtins: ALL, matches: [] });
  const text = `${'Some text with numbers 12 and mail@example.com. '.repeat(12)}call 415 55`;
  const holdN = QUICK ? 1000 : 10_000;
  const holdMs = best(() => {
    for (let i = 0; i < holdN; i++) hold.holdBack(text);
  });
  const cfg = {
    action: 'MASK' as const,
    builtins: ['EMAIL' as Builtin],
    matches: [{ pattern: 'alpha\\d+' }],
  };
  compileRegexGuard(cfg);
  const compileMs = best(() => {
    for (let i = 0; i < 1000; i++) compileRegexGuard(cfg);
  });
  rows.push(
    '',
    '| per call | µs |',
    '|---|---:|',
    `| streaming guard holdBack on a 600-character buffer (all builtins) | ${((holdMs * 1000) / holdN).toFixed(1)} |`,
    `| compileRegexGuard of an already-compiled config (cache hit) | ${compileMs.toFixed(1)} |`,
  );
  console.log(rows.join('\n'));
}

main();
