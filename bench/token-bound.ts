/**
 * Small requests' latency while 7.5 MiB whitespace prompts are counted (issue 13, item 8), through
 * real Envoy and the standalone server (which counts every prompt before it answers), with the
 * default exact-count budget and with an unbounded one (the old behaviour).
 * Run: node dist/bench/token-bound.js   (BENCH_QUICK=1: fewer requests)
 */
import fs from 'node:fs';
import path from 'node:path';
import { startStandaloneStack } from '../test/helpers/stack.js';
import { repoRoot } from '../test/helpers/repo.js';

const QUICK = process.env.BENCH_QUICK === '1';
const SMALL = QUICK ? 120 : 400;
const BIG = QUICK ? 4 : 8;
const CONFIG = fs.readFileSync(path.join(repoRoot(), 'test/fixtures/standalone/e2e.yaml'), 'utf8');
const SECRETS = {
  E2E_OPENAI_KEY: 'k',
  E2E_ANTHROPIC_KEY: 'k',
  E2E_GEMINI_KEY: 'k',
  E2E_AWS_ID: 'AKIDEXAMPLE',
  E2E_AWS_SECRET: 'secret',
};
const HUGE = JSON.stringify({
  model: 'gpt',
  max_tokens: 10,
  messages: [{ role: 'user', content: `${' '.repeat(7.5 * 1024 * 1024)}x` }],
});
const SMALL_BODY = JSON.stringify({
  model: 'gpt',
  max_tokens: 10,
  messages: [{ role: 'user', content: 'hi' }],
});

const pct = (sorted: number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function run(label: string, env: Record<string, string>, withBig: boolean): Promise<string> {
  const stack = await startStandaloneStack(CONFIG, env, SECRETS);
  const post = async (body: string): Promise<[number, number]> => {
    const t0 = performance.now();
    const r = await fetch(`${stack.envoy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body,
    });
    await r.arrayBuffer();
    return [r.status, performance.now() - t0];
  };
  try {
    for (let i = 0; i < 20; i++) await post(SMALL_BODY); // warm-up
    let bigLeft = withBig ? BIG : 0;
    const bigStatuses: number[] = [];
    const big = Array.from({ length: withBig ? 2 : 0 }, async () => {
      while (bigLeft-- > 0) bigStatuses.push((await post(HUGE))[0]);
    });
    const ms: number[] = [];
    let failed = 0;
    let sent = 0;
    const small = Array.from({ length: 4 }, async () => {
      while (sent < SMALL) {
        sent++;
        const [status, t] = await post(SMALL_BODY);
        if (status === 200) ms.push(t);
        else failed++;
      }
    });
    await Promise.all([...big, ...small]);
    ms.sort((a, b) => a - b);
    const bigOk = bigStatuses.filter((s) => s === 200).length;
    return `| ${label} | ${withBig ? `${bigOk}/${bigStatuses.length}` : '–'} | ${ms.length}/${SMALL} | ${failed} | ${pct(ms, 50).toFixed(1)} | ${pct(ms, 99).toFixed(1)} | ${(ms.at(-1) ?? NaN).toFixed(1)} |`;
  } finally {
    await stack.close();
  }
}

const rows = [
  '| run | 7.5 MiB prompts ok | small ok | small failed (504…) | small p50 ms | small p99 ms | small max ms |',
  '|---|---:|---:|---:|---:|---:|---:|',
  await run('small requests alone', {}, false),
  await run('with 7.5 MiB whitespace prompts, bounded count (default 256 Ki chars exact)', {}, true),
  await run(
    'with 7.5 MiB whitespace prompts, unbounded count (before)',
    { TOKEN_COUNT_EXACT_CHARS: '100000000' },
    true,
  ),
];
console.log(
  `Small requests (4 concurrent, ${SMALL}) through Envoy + ai-extproc (standalone), ${BIG} large prompts 2 at a time\n`,
);
console.log(rows.join('\n'));
