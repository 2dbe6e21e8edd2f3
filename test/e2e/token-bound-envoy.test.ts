/**
 * Token counting has a bound per request: while 7.5 MiB whitespace prompts go through real Envoy
 * and the server (standalone mode, which counts every prompt before answering), concurrent small
 * requests all succeed — no 504 from Envoy's 5 s message timeout, none lost. (Correctness only;
 * the small requests' latency under this load is measured in bench/complexity.ts.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { repoRoot } from '../helpers/repo.js';

const CONFIG = fs.readFileSync(path.join(repoRoot(), 'test/fixtures/standalone/e2e.yaml'), 'utf8');
const SECRETS = {
  E2E_OPENAI_KEY: 'sk-gateway-openai',
  E2E_ANTHROPIC_KEY: 'sk-gateway-anthropic',
  E2E_GEMINI_KEY: 'gemini-gateway-key',
  E2E_AWS_ID: 'AKIDEXAMPLE',
  E2E_AWS_SECRET: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

describe('token counting is bounded per request (real Envoy)', () => {
  let stack: StandaloneStack;
  before(async () => {
    stack = await startStandaloneStack(CONFIG, {}, SECRETS);
  });
  after(async () => {
    await stack?.close();
  });

  const post = async (content: string): Promise<number> => {
    // The Anthropic Messages route has no guards: only the token count reads the whole prompt.
    const r = await fetch(`${stack.envoy.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'gpt', max_tokens: 10, messages: [{ role: 'user', content }] }),
    });
    const text = await r.text();
    if (r.status !== 200) console.log(r.status, text.slice(0, 300));
    return r.status;
  };

  it('small requests all succeed while 7.5 MiB whitespace prompts are counted', async () => {
    const huge = `${' '.repeat(7.5 * 1024 * 1024)}x`;
    let bigDone = false;
    const big = (async () => {
      const out: number[] = [];
      for (let i = 0; i < 3; i++) out.push(...(await Promise.all([post(huge), post(huge)])));
      bigDone = true;
      return out;
    })();
    const small: number[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (!bigDone || small.length < 40) small.push(await post('hello, a small prompt'));
      }),
    );
    const bigStatuses = await big;
    assert.deepEqual(bigStatuses, [200, 200, 200, 200, 200, 200], 'the large prompts themselves');
    assert.ok(small.length >= 40);
    assert.deepEqual(
      [...new Set(small)],
      [200],
      `small requests: ${JSON.stringify(small.filter((s) => s !== 200))}`,
    );
  });
});
