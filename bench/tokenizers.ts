// Tokenizer benchmark: tiktoken (WASM) vs gpt-tokenizer (pure JS), both cl100k_base with special-token
// text treated as plain text. Not part of the tests.
//
//   npx tsc -p . && node dist/bench/tokenizers.js        (BENCH_MS=<ms> changes the per-case time box)
//
// Cold start: a fresh child process per library imports it, builds the cl100k encoder and encodes
// once (median of 3). Warm: each case gives every contender the same time box, split into 5 rounds
// interleaved (and rotated) across contenders; the median round is reported, to damp background load.
// gpt-tokenizer keeps an LRU cache of merged pieces, which flatters a loop over the same text, so it
// is also measured with that cache cleared before every call. "shipped" is src/tokens' countTokens
// (gpt-tokenizer, or the exact fallback for U+FEFF/U+0085 and long runs).

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { clearMergeCache, countTokens as gptCountTokens } from 'gpt-tokenizer/encoding/cl100k_base';
import { get_encoding } from 'tiktoken';

import { clearExactCache } from '../src/tokens/cl100k-fallback.js';
import { estimatePromptTokens } from '../src/tokens/prompt-estimate.js';
import { countTokens } from '../src/tokens/tokenizer.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUDGET_MS = Number(process.env['BENCH_MS'] ?? 1000);
const COLD_RUNS = 3;

const tiktoken = get_encoding('cl100k_base');
const PLAIN_TEXT = { disallowedSpecial: new Set<string>() };
const tiktokenCount = (s: string): number => tiktoken.encode(s, [], []).length;
const gptCount = (s: string): number => gptCountTokens(s, PLAIN_TEXT);

// ---------------------------------------------------------------------------------------------
// Inputs

const PARAGRAPH =
  'You are a helpful assistant for an online hardware store. The customer is asking about the ' +
  'difference between two cordless drills: the 18V compact model (SKU 48213) and the 20V brushless ' +
  'model (SKU 51977). Explain battery life, torque, weight and warranty in plain language, and ' +
  "recommend one for occasional home use. Don't invent specifications; if something is unknown, say " +
  'so. Keep the answer under 150 words, use a short bulleted list for the comparison, and end with a ' +
  'one-sentence recommendation. Prices as of 2024-05-01: $129.99 and $189.00 respectively. ';

function english1KiB(): string {
  let s = '';
  while (s.length < 1024) s += PARAGRAPH;
  return s.slice(0, 1024);
}

const WORDS = (
  'the of and to in a is that for it as was with be by on not he I this are or his from at which ' +
  'but have an they you were her she there been one all we their has would when if so no will ' +
  'more can who them said about what other out up into do time only could new some these two ' +
  'may first then its also any my now such like our over man me even most made after well ' +
  'gateway token request response upstream provider latency throughput streaming envoy policy ' +
  'kubernetes deployment configuration authentication authorization observability metrics'
).split(' ');

/** ~100 KiB of deterministic English-like prose (seeded PRNG, punctuation, numbers, newlines). */
function english100KiB(): string {
  let seed = 0x2545f491;
  const next = (n: number): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const parts: string[] = [];
  let size = 0;
  let sentence = 0;
  while (size < 100 * 1024) {
    const len = 6 + next(18);
    const words: string[] = [];
    for (let i = 0; i < len; i++) {
      let w = WORDS[next(WORDS.length)] ?? 'the';
      if (i === 0) w = w.charAt(0).toUpperCase() + w.slice(1);
      if (next(40) === 0) w = String(next(100000));
      words.push(w);
    }
    const text = words.join(' ') + (next(8) === 0 ? '?' : '.') + (++sentence % 7 === 0 ? '\n\n' : ' ');
    parts.push(text);
    size += text.length;
  }
  return parts.join('').slice(0, 100 * 1024);
}

/** ~32 KiB of random common CJK ideographs in clauses of 5-34, with CJK punctuation, no spaces. */
function randomCjk32KiB(): string {
  let seed = 7;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  let s = '';
  while (Buffer.byteLength(s, 'utf8') < 32 * 1024) {
    const len = 5 + next(30);
    for (let i = 0; i < len; i++) s += String.fromCodePoint(0x4e00 + next(3000));
    s += next(3) === 0 ? '。\n' : '，';
  }
  return s;
}

/** ~10 KiB OpenAI chat body: system prompt, alternating turns, a tool call and a tool result. */
function chatBody10KiB(): unknown {
  const messages: unknown[] = [{ role: 'system', content: PARAGRAPH + PARAGRAPH }];
  let turn = 0;
  while (JSON.stringify(messages).length < 10 * 1024 - 700) {
    messages.push({
      role: 'user',
      name: `customer_${turn}`,
      content: PARAGRAPH.slice(0, 200 + ((turn * 37) % 200)),
    });
    messages.push({ role: 'assistant', content: PARAGRAPH.slice(100, 400 + ((turn * 53) % 100)) });
    turn++;
  }
  messages.push({
    role: 'assistant',
    content: null,
    tool_calls: [
      {
        id: 'call_b0BUgjUoOPkXRseHdkeZm7xL',
        type: 'function',
        function: {
          name: 'lookup_sku',
          arguments: '{"sku": 48213, "fields": ["torque", "weight", "warranty"]}',
        },
      },
    ],
  });
  messages.push({
    role: 'tool',
    tool_call_id: 'call_b0BUgjUoOPkXRseHdkeZm7xL',
    content: '{"torque_nm": 45, "weight_kg": 1.2, "warranty_years": 3}',
  });
  return JSON.parse(JSON.stringify({ model: 'gpt-4o-mini', temperature: 0.2, messages }));
}

// The kgateway estimate, with the per-string counter as a parameter, so tiktoken runs the same walk.
function estimateWith(count: (s: string) => number, body: unknown): number {
  const walk = (v: unknown): number => {
    if (typeof v === 'string') return count(v);
    if (typeof v !== 'object' || v === null) return 0;
    if (Array.isArray(v)) return v.reduce((n: number, x: unknown) => n + walk(x), 0);
    let n = 0;
    for (const [k, x] of Object.entries(v as Record<string, unknown>))
      n += count(k) + walk(x) + (k === 'name' ? 1 : 0);
    return n;
  };
  const messages = (body as { messages: unknown[] }).messages;
  return messages.reduce((n: number, m) => n + 3 + walk(m), 0) + 3;
}

// ---------------------------------------------------------------------------------------------
// Measurement

let sink = 0;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

const ROUNDS = 5;

/** Mean µs per call of `fn` over `ms` milliseconds (at least 2 calls). */
function meanMicros(fn: () => number, ms: number): number {
  let calls = 0;
  const start = performance.now();
  let now = start;
  const end = start + ms;
  while (now < end || calls < 2) {
    sink += fn();
    calls++;
    now = performance.now();
  }
  return ((now - start) * 1000) / calls;
}

/** Median-of-rounds µs per call for each contender; rounds are interleaved across contenders. */
function timeAll(fns: (() => number)[]): number[] {
  for (const fn of fns) meanMicros(fn, Math.min(100, BUDGET_MS / 10)); // warm-up / JIT
  const rounds: number[][] = fns.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate the order each round so no contender always runs right after the same other one
    // (e.g. inheriting tiktoken's garbage-collection debt).
    for (let k = 0; k < fns.length; k++) {
      const i = (k + r) % fns.length;
      const fn = fns[i];
      if (fn !== undefined) rounds[i]?.push(meanMicros(fn, BUDGET_MS / ROUNDS));
    }
  }
  return rounds.map(median);
}

interface Cold {
  loadMs: number;
  firstEncodeMs: number;
  wallMs: number;
}

const CHILD: Record<string, string> = {
  tiktoken: `
    const t0 = performance.now();
    const { get_encoding } = await import('tiktoken');
    const enc = get_encoding('cl100k_base');
    const t1 = performance.now();
    const n = enc.encode('Hello, world! <|endoftext|>', [], []).length;
    const t2 = performance.now();
    console.log(JSON.stringify({ loadMs: t1 - t0, firstEncodeMs: t2 - t1, n }));`,
  'gpt-tokenizer': `
    const t0 = performance.now();
    const { countTokens } = await import('gpt-tokenizer/encoding/cl100k_base');
    const t1 = performance.now();
    const n = countTokens('Hello, world! <|endoftext|>', { disallowedSpecial: new Set() });
    const t2 = performance.now();
    console.log(JSON.stringify({ loadMs: t1 - t0, firstEncodeMs: t2 - t1, n }));`,
  shipped: `
    const t0 = performance.now();
    const { warmTokenizer } = await import('./dist/src/tokens/tokenizer.js');
    const t1 = performance.now();
    const n = warmTokenizer();
    const t2 = performance.now();
    console.log(JSON.stringify({ loadMs: t1 - t0, firstEncodeMs: t2 - t1, n }));`,
};

function coldStart(lib: string): Cold {
  const code = CHILD[lib];
  if (code === undefined) throw new Error(`no child script for ${lib}`);
  const runs: Cold[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    const wallMs = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${lib} child failed: ${r.stderr}`);
    const out = JSON.parse(r.stdout) as { loadMs: number; firstEncodeMs: number };
    runs.push({ loadMs: out.loadMs, firstEncodeMs: out.firstEncodeMs, wallMs });
  }
  return {
    loadMs: median(runs.map((r) => r.loadMs)),
    firstEncodeMs: median(runs.map((r) => r.firstEncodeMs)),
    wallMs: median(runs.map((r) => r.wallMs)),
  };
}

const fmt = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

// ---------------------------------------------------------------------------------------------
// Run

const multilingual = readFileSync(`${ROOT}test/fixtures/tokens/multilingual.txt`, 'utf8');
const bomMultilingual = `\uFEFF${multilingual}`;
const text1k = english1KiB();
const text100k = english100KiB();
const cjk32k = randomCjk32KiB();
const word32k = 'ab'.repeat(16 * 1024);
const body = chatBody10KiB();
const kib = (s: string): number => Buffer.byteLength(s, 'utf8') / 1024;

// Counts must agree before timings mean anything.
for (const [name, s] of [
  ['1 KiB', text1k],
  ['100 KiB', text100k],
  ['multilingual', multilingual],
  ['CJK', cjk32k],
  ['BOM multilingual', bomMultilingual],
] as const) {
  const a = tiktokenCount(s);
  if (countTokens(s) !== a)
    throw new Error(`${name}: tiktoken ${a} != shipped countTokens ${countTokens(s)}`);
  if (name !== 'BOM multilingual' && gptCount(s) !== a) throw new Error(`${name}: gpt-tokenizer differs`);
}
const estTik = estimateWith(tiktokenCount, body);
const estGpt = estimatePromptTokens(body, 'openai');
if (estTik !== estGpt || estimateWith(gptCount, body) !== estTik) {
  throw new Error(`estimate differs: tiktoken ${estTik}, shipped ${estGpt}`);
}

const lines: string[] = [];
const out = (s = ''): void => {
  lines.push(s);
};

out(
  `Node ${process.version}, ${process.platform}/${process.arch}; time box ${BUDGET_MS} ms per case per contender.`,
);
out();
out('### Cold start (fresh child process: import + build the cl100k encoder, then one encode; median of 3)');
out();
out('| library | load ms | first encode ms | child wall ms |');
out('|---|---:|---:|---:|');
const coldTik = coldStart('tiktoken');
const coldGpt = coldStart('gpt-tokenizer');
const coldShipped = coldStart('shipped');
out(
  `| tiktoken 1.0.22 (WASM) | ${fmt(coldTik.loadMs)} | ${fmt(coldTik.firstEncodeMs)} | ${fmt(coldTik.wallMs)} |`,
);
out(
  `| gpt-tokenizer 4.0.0 | ${fmt(coldGpt.loadMs)} | ${fmt(coldGpt.firstEncodeMs)} | ${fmt(coldGpt.wallMs)} |`,
);
out(
  `| **ratio gpt-tokenizer/tiktoken** | ${ratio(coldGpt.loadMs, coldTik.loadMs)} | ` +
    `${ratio(coldGpt.firstEncodeMs, coldTik.firstEncodeMs)} | ${ratio(coldGpt.wallMs, coldTik.wallMs)} |`,
);
out(
  `| shipped src/tokens (first encode = warmTokenizer(), incl. fallback table) | ${fmt(coldShipped.loadMs)} | ` +
    `${fmt(coldShipped.firstEncodeMs)} | ${fmt(coldShipped.wallMs)} |`,
);
out();

interface Case {
  name: string;
  bytes: number;
  tiktoken: () => number;
  gpt?: () => number;
  gptNoCache?: () => number;
  shipped: () => number;
  shippedNoCache: () => number;
}

/** Empties both caches the shipped path can use. */
function clearCaches(): void {
  clearMergeCache();
  clearExactCache();
}

const textCase = (name: string, s: string, raw = true): Case => ({
  name: `${name}, ${kib(s).toFixed(1)} KiB, ${tiktokenCount(s)} tok`,
  bytes: kib(s),
  tiktoken: () => tiktokenCount(s),
  ...(raw
    ? {
        gpt: () => gptCount(s),
        gptNoCache: () => {
          clearMergeCache();
          return gptCount(s);
        },
      }
    : {}),
  shipped: () => countTokens(s),
  shippedNoCache: () => {
    clearCaches();
    return countTokens(s);
  },
});

const cases: Case[] = [
  textCase('English prompt', text1k),
  textCase('English text', text100k),
  textCase('multilingual fixture', multilingual),
  textCase('random unspaced CJK', cjk32k),
  textCase('multilingual + leading U+FEFF (gpt-tokenizer alone miscounts)', bomMultilingual, false),
  textCase('one 32 KiB word (quadratic merge)', word32k),
  {
    name: `estimatePromptTokens, ${kib(JSON.stringify(body)).toFixed(1)} KiB chat body, ${estGpt} tok`,
    bytes: kib(JSON.stringify(body)),
    tiktoken: () => estimateWith(tiktokenCount, body),
    gpt: () => estimateWith(gptCount, body),
    gptNoCache: () => {
      clearMergeCache();
      return estimateWith(gptCount, body);
    },
    shipped: () => estimatePromptTokens(body, 'openai'),
    shippedNoCache: () => {
      clearCaches();
      return estimatePromptTokens(body, 'openai');
    },
  },
];

out('### Warm (µs per call, [µs per KiB]; ratio = contender / tiktoken, below 1× is faster)');
out();
out(
  '| case | tiktoken | gpt-tokenizer | ratio | gpt-tokenizer, cache cleared | ratio | shipped | ratio | shipped, caches cleared | ratio |',
);
out('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const c of cases) {
  const fns = [
    c.tiktoken,
    c.shipped,
    c.shippedNoCache,
    ...(c.gpt && c.gptNoCache ? [c.gpt, c.gptNoCache] : []),
  ];
  const [t = NaN, sh, shc, g, gc] = timeAll(fns);
  const cell = (us: number | undefined): string =>
    us === undefined ? '—' : `${fmt(us)} [${fmt(us / c.bytes)}]`;
  const rel = (us: number | undefined): string => (us === undefined ? '—' : ratio(us, t));
  out(
    `| ${c.name} | ${cell(t)} | ${cell(g)} | ${rel(g)} | ${cell(gc)} | ${rel(gc)} | ` +
      `${cell(sh)} | ${rel(sh)} | ${cell(shc)} | ${rel(shc)} |`,
  );
}

tiktoken.free();
console.log(lines.join('\n'));
if (sink === -1) console.log(sink);
