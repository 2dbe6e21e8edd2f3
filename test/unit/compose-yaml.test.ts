import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseYamlSubset } from './compose-yaml.js';

describe('YAML subset parser (used for the compose file)', () => {
  it('parses the constructs the compose file uses', () => {
    const doc = parseYamlSubset(
      [
        'a: 1 # comment',
        'b:',
        '  c: "x: y"',
        '  d: [\'p\', "q", r]',
        '  e:',
        '  - one',
        '  - k: v',
        '    l: w',
        'f: service:x',
        "g: 'it''s'",
        'h: true',
      ].join('\n'),
    );
    assert.deepEqual(doc, {
      a: 1,
      b: { c: 'x: y', d: ['p', 'q', 'r'], e: ['one', { k: 'v', l: 'w' }] },
      f: 'service:x',
      g: "it's",
      h: true,
    });
  });
  it('rejects what it does not understand', () => {
    assert.throws(() => parseYamlSubset('a: &x 1'), /unsupported/);
    assert.throws(() => parseYamlSubset('a: { b: 1 }'), /unsupported/);
    assert.throws(() => parseYamlSubset('a: 1\na: 2'), /duplicate/);
    assert.throws(() => parseYamlSubset('a:\n\tb: 1'), /tab/);
    assert.throws(() => parseYamlSubset('a: |\n  text'), /unsupported/);
  });
});
