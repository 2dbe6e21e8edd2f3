/** Standalone config hot reload: fs.watch + poll, reports only real content changes. */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LoadResult } from '../../../../src/config/standalone/index.js';
import {
  CREDENTIAL_HEADERS,
  loadStandaloneConfig,
  watchConfig,
} from '../../../../src/config/standalone/index.js';

const config = (model: string, keyRef = '{ env: KEY }'): string => `version: 1
backends:
  a:
    provider: openai
    auth: { apiKey: ${keyRef} }
    defaultModel: ${model}
routes: [{ name: r, backend: a }]
`;
const ENV = { KEY: 'sk-watch-test' };

/** Collects onChange results; next() waits (bounded) for the following one. */
function recorder() {
  const results: LoadResult[] = [];
  let waiter: (() => void) | undefined;
  return {
    results,
    onChange: (r: LoadResult) => {
      results.push(r);
      waiter?.();
    },
    async next(timeoutMs = 3000): Promise<LoadResult> {
      const seen = results.length;
      const deadline = Date.now() + timeoutMs;
      while (results.length === seen) {
        if (Date.now() > deadline) throw new Error(`no config change reported within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          waiter = resolve;
          setTimeout(resolve, 20);
        });
      }
      return results[seen]!;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const modelOf = (r: LoadResult): string | undefined =>
  r.ok ? r.config.backend('a')?.defaultModel : undefined;

describe('standalone config: watchConfig', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-watch-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reports good and bad edits, atomic replaces, and stays quiet for unchanged content', async () => {
    const file = path.join(dir, 'config.yaml');
    fs.writeFileSync(file, config('m1'));
    const first = loadStandaloneConfig(file, ENV);
    assert.ok(first.ok);
    const rec = recorder();
    const stop = watchConfig(file, ENV, rec.onChange, {
      intervalMs: 100,
      debounceMs: 20,
      since: first.config.sourceHash,
    });
    try {
      // a good edit
      fs.writeFileSync(file, config('m2'));
      assert.equal(modelOf(await rec.next()), 'm2');

      // a bad edit: reported as errors (the caller keeps its config)
      fs.writeFileSync(file, config('m3').replace('provider: openai', 'provider: nope'));
      const bad = await rec.next();
      assert.equal(bad.ok, false);
      assert.equal(bad.ok ? '' : bad.errors[0]!.path, 'backends.a.provider');

      // an editor-style atomic replace (write elsewhere, rename over)
      const tmp = path.join(dir, '.config.yaml.swp');
      fs.writeFileSync(tmp, config('m4'));
      fs.renameSync(tmp, file);
      assert.equal(modelOf(await rec.next()), 'm4');

      // same bytes again, a touch, an unrelated file: nothing to report
      const count = rec.results.length;
      fs.writeFileSync(file, config('m4'));
      const now = new Date();
      fs.utimesSync(file, now, now);
      fs.writeFileSync(path.join(dir, 'other.txt'), 'x');
      await sleep(400);
      assert.equal(rec.results.length, count);
    } finally {
      stop();
    }
  });

  it('the directory watch alone (no poll in sight) catches an atomic rename', async () => {
    const sub = fs.mkdtempSync(path.join(dir, 'fswatch-'));
    const file = path.join(sub, 'config.yaml');
    fs.writeFileSync(file, config('m1'));
    const rec = recorder();
    const stop = watchConfig(file, ENV, rec.onChange, { intervalMs: 60_000, debounceMs: 20 });
    try {
      const tmp = path.join(sub, 'config.yaml.tmp');
      fs.writeFileSync(tmp, config('m2'));
      fs.renameSync(tmp, file);
      assert.equal(modelOf(await rec.next(2000)), 'm2');
    } finally {
      stop();
    }
  });

  it('reloads when a secret file changes, and stop() ends reports', async () => {
    const sub = fs.mkdtempSync(path.join(dir, 'secret-'));
    const file = path.join(sub, 'config.yaml');
    const key = path.join(sub, 'key.txt');
    fs.writeFileSync(key, 'sk-first\n');
    fs.writeFileSync(file, config('m1', '{ file: key.txt }'));
    const first = loadStandaloneConfig(file, {});
    assert.ok(first.ok);
    const rec = recorder();
    const stop = watchConfig(file, {}, rec.onChange, {
      intervalMs: 100,
      debounceMs: 20,
      since: first.config.sourceHash,
      secretFiles: first.config.secretFiles,
    });
    try {
      fs.writeFileSync(key, 'sk-second\n');
      const r = await rec.next();
      assert.ok(r.ok);
      assert.deepEqual(r.config.backend('a')!.authFor(new Map()), {
        kind: 'headers',
        set: [['authorization', 'Bearer sk-second']],
        remove: CREDENTIAL_HEADERS.filter((h) => h !== 'authorization'),
      });
    } finally {
      stop();
    }
    stop(); // idempotent
    const count = rec.results.length;
    fs.writeFileSync(file, config('m9', '{ file: key.txt }'));
    await sleep(300);
    assert.equal(rec.results.length, count);
  });

  it('without `since`, the content at start is the baseline; a deleted file is reported once', async () => {
    const sub = fs.mkdtempSync(path.join(dir, 'gone-'));
    const file = path.join(sub, 'config.yaml');
    fs.writeFileSync(file, config('m1'));
    const rec = recorder();
    const stop = watchConfig(file, ENV, rec.onChange, { intervalMs: 100, debounceMs: 20 });
    try {
      await sleep(250);
      assert.equal(rec.results.length, 0);
      fs.rmSync(file);
      const r = await rec.next();
      assert.equal(r.ok, false);
      assert.match(r.ok ? '' : r.errors[0]!.message, /^cannot read config file .*: ENOENT$/);
      await sleep(300);
      assert.equal(rec.results.length, 1);
      fs.writeFileSync(file, config('m5'));
      assert.equal(modelOf(await rec.next()), 'm5');
    } finally {
      stop();
    }
  });
});
