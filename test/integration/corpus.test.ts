/**
 * Replays every corpus scenario (test/corpus/scenarios.ts) and compares it with its recording in
 * test/fixtures/corpus. RECORD_CORPUS=1 rewrites the recordings instead.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import prettier from 'prettier';
import { SCENARIOS } from '../corpus/scenarios.js';
import { recordScenario } from '../corpus/recorder.js';
import { repoRoot } from '../helpers/repo.js';

const DIR = path.join(repoRoot(), 'test/fixtures/corpus');
const RECORD = process.env.RECORD_CORPUS === '1';
const ONLY = new Set((process.env.CORPUS_ONLY ?? '').split(',').filter(Boolean));

/** What prettier (the repo's config) accepts, so `prettier --check` passes on the recordings. */
async function format(value: unknown, file: string): Promise<string> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(JSON.stringify(value), { ...options, parser: 'json', filepath: file });
}

describe('ext_proc corpus', () => {
  it('has unique scenario names', () => {
    const names = SCENARIOS.map((s) => s.name);
    assert.deepEqual(
      names.filter((n, i) => names.indexOf(n) !== i),
      [],
    );
  });

  for (const sc of SCENARIOS) {
    if (ONLY.size > 0 && !ONLY.has(sc.name)) continue;
    it(sc.name, async () => {
      const got = await recordScenario(sc);
      const file = path.join(DIR, `${sc.name}.json`);
      if (RECORD) {
        fs.mkdirSync(DIR, { recursive: true });
        fs.writeFileSync(file, await format(got, file));
        return;
      }
      assert.ok(fs.existsSync(file), `no recording for ${sc.name}: run with RECORD_CORPUS=1`);
      const want: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
      assert.deepEqual(got, want);
    });
  }

  if (!RECORD && ONLY.size === 0) {
    it('has no stale recordings', () => {
      const names = new Set(SCENARIOS.map((s) => `${s.name}.json`));
      const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.json'));
      assert.deepEqual(
        files.filter((f) => !names.has(f)),
        [],
      );
    });
  }
});
