/** Shared fixtures for the Bedrock translation tests: golden files, the target, a fixed-id adapter, 400 checks. */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { OpenAIChatRequest, UpstreamTarget } from '../../../../src/providers/translate/types.js';
import { TranslationError } from '../../../../src/providers/translate/types.js';
import { bedrockProvider, createBedrockProvider } from '../../../../src/providers/bedrock/index.js';

const FIXTURES = path.resolve('test/fixtures/translate/bedrock');
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests poke at arbitrary JSON
export type AnyJson = any;
export const fixture = (name: string): AnyJson => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8'));
/** The expected fixture; UPDATE_GOLDEN=1 rewrites it from `actual` first (then review the diff). */
export const golden = (name: string, actual: unknown): AnyJson => {
  if (process.env.UPDATE_GOLDEN === '1') {
    writeFileSync(path.join(FIXTURES, name), JSON.stringify(actual, null, 2) + '\n');
  }
  return fixture(name);
};

export const MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
export const target = (stream = false, model = MODEL): UpstreamTarget => ({
  provider: 'bedrock',
  model,
  stream,
});
export const fixedProvider = () =>
  createBedrockProvider({ idPrefix: 'chatcmpl-bedrock-test', now: () => 1_700_000_000_000 });

export function translate(req: OpenAIChatRequest, stream = false) {
  const out = bedrockProvider.request(req, target(stream));
  return { ...out, json: JSON.parse(out.body.toString('utf8')) };
}

export function assert400(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof TranslationError, `expected TranslationError, got ${String(err)}`);
    assert.equal(err.status, 400);
    assert.equal(err.type, 'invalid_request_error');
    assert.match(err.message, message);
    return true;
  });
}

export const user = (content: unknown) => ({ role: 'user', content });
export const PNG_1PX =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP4z8DwHwAFAAIB/6ZcjAAAAABJRU5ErkJggg==';
export const image = (url: string) => user([{ type: 'image_url', image_url: { url } }]);
