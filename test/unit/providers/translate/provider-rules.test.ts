/**
 * Every provider-side request pinned in the translation goldens (the other golden tests assert that the
 * translators produce exactly these) is checked against its provider's documented 400 rules
 * (mock-provider/rules/): no request the gateway sends is one its provider would refuse.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { anthropicRequestProblems } from '../../../../mock-provider/rules/anthropic.js';
import { bedrockRequestProblems } from '../../../../mock-provider/rules/bedrock.js';
import { geminiRequestProblems } from '../../../../mock-provider/rules/gemini.js';
import { openaiRequestProblems } from '../../../../mock-provider/rules/openai.js';
import { mistralRequestProblems } from '../../../../mock-provider/rules/mistral.js';

const DIR = path.resolve('test/fixtures/translate');

interface Golden {
  path?: string;
  body: unknown;
}

const read = (file: string): Golden => JSON.parse(fs.readFileSync(file, 'utf8')) as Golden;
const files = (dir: string, re: RegExp): string[] =>
  fs
    .readdirSync(path.join(DIR, dir))
    .filter((f) => re.test(f))
    .map((f) => path.join(DIR, dir, f));

/** The Bedrock model id from a Converse path. */
const bedrockModel = (p: string | undefined): string =>
  decodeURIComponent(/^\/model\/([^/]+)\//.exec(p ?? '')?.[1] ?? '');

function problems(file: string, g: Golden): string[] {
  const p = g.path ?? '';
  if (p.startsWith('/model/')) return bedrockRequestProblems(g.body, bedrockModel(p));
  if (p.includes(':generateContent') || p.includes(':streamGenerateContent'))
    return geminiRequestProblems(g.body, /\/models\/([^/:]+):/.exec(p)?.[1] ?? '');
  if (p.endsWith('/v1/messages')) return anthropicRequestProblems(g.body);
  if (/\/chat\/completions/.test(p) && /mistral/.test(path.basename(file)))
    return mistralRequestProblems(g.body);
  if (/\/chat\/completions/.test(p)) return openaiRequestProblems(g.body);
  assert.fail(`${file}: no provider for path ${p}`);
}

describe('provider requests in the goldens pass the provider rules', () => {
  const all = [
    ...files('anthropic/provider-request', /\.out\.json$/),
    ...files('gemini', /^req-.*\.out\.json$/),
    ...files('bedrock', /^request-.*\.converse\.json$/),
    ...files('pairs', /^anthropic-to-(openai|azure_openai|gemini|vertex-ai|bedrock|mistral)\..*\.json$/),
    ...files('openai', /^req-mistral.*\.out\.json$/),
    ...files('pairs', /^responses-to-(openai|anthropic|gemini|bedrock)\..*\.json$/),
    ...files('pairs', /^gemini-to-(openai|anthropic|bedrock)\..*\.json$/),
  ];
  it('finds the goldens', () => assert.ok(all.length > 20));
  for (const file of all) {
    it(path.relative(DIR, file), () => {
      const g = read(file);
      if (g.body === undefined) return; // an error case: nothing is sent
      assert.deepEqual(problems(file, g), []);
    });
  }
});
