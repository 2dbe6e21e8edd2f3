/**
 * Golden files for translation tests: `actual` (text, or JSON pretty-printed) must equal
 * `dir/name`. UPDATE_GOLDEN=1 writes it instead; a missing golden fails until written and reviewed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const UPDATE = process.env.UPDATE_GOLDEN === '1';

export function assertGolden(dir: string, name: string, actual: unknown): void {
  const file = path.join(dir, name);
  const text = typeof actual === 'string' ? actual : JSON.stringify(actual, null, 2) + '\n';
  if (UPDATE || !fs.existsSync(file)) {
    if (!UPDATE) assert.fail(`missing golden ${name}; run with UPDATE_GOLDEN=1 and review it`);
    fs.writeFileSync(file, text);
    return;
  }
  assert.equal(text, fs.readFileSync(file, 'utf8'), name);
}
