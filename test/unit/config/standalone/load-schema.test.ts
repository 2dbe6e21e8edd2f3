/** Standalone config: the shipped schema file and examples. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  CONFIG_SCHEMA,
  formatIssue,
  isSchemaValid,
  loadStandaloneConfig,
  loadStandaloneConfigText,
} from '../../../../src/config/standalone/index.js';
import { TMP } from './load-fixtures.js';

describe('standalone config: the shipped schema and examples', () => {
  it('config/ai-extproc.schema.json equals CONFIG_SCHEMA', () => {
    const shipped: unknown = JSON.parse(
      fs.readFileSync(path.resolve('config/ai-extproc.schema.json'), 'utf8'),
    );
    assert.deepEqual(
      shipped,
      JSON.parse(JSON.stringify(CONFIG_SCHEMA)),
      "regenerate: node -e \"import('./dist/src/config/standalone/schema.js').then((m) => " +
        'console.log(JSON.stringify(m.CONFIG_SCHEMA, null, 2)))" > config/ai-extproc.schema.json && ' +
        'npx prettier --write config/ai-extproc.schema.json',
    );
  });

  it('every example names the schema for editors and is valid', () => {
    const dir = path.resolve('config/examples');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.includes('standalone.yaml'));
    for (const f of files) {
      const text = fs.readFileSync(path.join(dir, f), 'utf8');
      assert.match(text, /^# yaml-language-server: \$schema=\.\.\/ai-extproc\.schema\.json$/m, f);
      // Secret files of the examples live in /run/secrets…: point them at a temporary file.
      fs.writeFileSync(path.join(TMP, 'example-secret'), 'example-secret-value\n');
      const local = text.replace(/\{ file: \/[^ }]+ \}/g, `{ file: ${path.join(TMP, 'example-secret')} }`);
      const env = Object.fromEntries(
        [...text.matchAll(/env: ([A-Z_0-9]+)/g)].map((m) => [m[1]!, `example-${m[1]!}`]),
      );
      const r = loadStandaloneConfigText(local, { env, path: path.join(dir, f) });
      assert.ok(r.ok, `${f}:\n${r.ok ? '' : r.errors.map(formatIssue).join('\n')}`);
    }
  });

  it('the demo config needs no environment at all', () => {
    const r = loadStandaloneConfig(path.resolve('config/examples/standalone.yaml'), {});
    assert.ok(r.ok);
    assert.ok(
      r.config.backends.every((b) => b.baseUrl.url === 'http://127.0.0.1:18080' && b.cluster === 'mock'),
    );
  });

  it('isSchemaValid agrees with the loader on structure', () => {
    assert.equal(isSchemaValid({ version: 1, backends: {}, routes: [] }), false);
    assert.equal(
      isSchemaValid({
        version: 1,
        backends: { a: { provider: 'openai', auth: { none: true } } },
        routes: [{ name: 'r', backend: 'a' }],
      }),
      true,
    );
  });
});
