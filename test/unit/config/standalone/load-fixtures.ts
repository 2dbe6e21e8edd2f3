/** Shared fixtures for the standalone config loader tests: the valid fixture file, its secrets, YAML-text loading. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ConfigIssue, RuntimeConfig } from '../../../../src/config/standalone/index.js';
import {
  formatIssue,
  loadStandaloneConfig,
  loadStandaloneConfigText,
} from '../../../../src/config/standalone/index.js';

export const FIXTURE = path.resolve('test/fixtures/config/valid.yaml');
export const ENV = {
  TEST_OPENAI_KEY: 'sk-openai-fixture-1111',
  TEST_AZURE_KEY: 'azure-fixture-2222',
  TEST_GEMINI_KEY: 'gemini-fixture-3333',
  TEST_GCP_TOKEN: 'ya29.fixture-4444',
  TEST_AWS_ID: 'AKIAFIXTURE5555',
  TEST_AWS_SECRET: 'aws-secret-fixture-6666',
  TEST_MODERATION_KEY: 'sk-moderation-fixture-7777',
};
export const FILE_SECRET = 'fixture-anthropic-key-not-real';
export const SECRETS = [...Object.values(ENV), FILE_SECRET];

export function loadFixture(): RuntimeConfig {
  const r = loadStandaloneConfig(FIXTURE, ENV);
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatIssue).join('\n'));
  return r.config;
}

export const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-standalone-'));

/** Loads YAML text as if it were TMP/config.yaml. */
export function load(text: string, env: NodeJS.ProcessEnv = { KEY: 'sk-test-key' }) {
  return loadStandaloneConfigText(text, { env, path: path.join(TMP, 'config.yaml') });
}

export function errorsOf(text: string, env?: NodeJS.ProcessEnv): readonly ConfigIssue[] {
  const r = load(text, env);
  assert.equal(r.ok, false, 'expected the config to be rejected');
  return r.ok ? [] : r.errors;
}

/** The one issue at `at`; its message must match `message`. */
export function expectIssue(issues: readonly ConfigIssue[], at: string, message: RegExp): ConfigIssue {
  const found = issues.filter((i) => i.path === at);
  assert.equal(found.length, 1, `one issue at ${at}; got:\n${issues.map(formatIssue).join('\n')}`);
  assert.match(found[0]!.message, message);
  return found[0]!;
}

export const BACKENDS = `version: 1
backends:
  openai:
    provider: openai
    auth: { apiKey: { env: KEY } }
`;
