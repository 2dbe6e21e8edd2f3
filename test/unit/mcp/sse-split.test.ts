import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseEventTooLarge, SseSplitter, withData } from '../../../src/mcp/sse-split.js';

test('whole events come out raw, across chunk boundaries and split UTF-8 characters', () => {
  const sp = new SseSplitter(1000);
  const text = 'event: message\r\ndata: {"a":"é"}\r\n\r\n: comment\n\nid: 7\ndata: x\n\n';
  const bytes = Buffer.from(text);
  const cut = bytes.indexOf(0xa9); // the second byte of "é"
  const out = [...sp.push(bytes.subarray(0, cut)), ...sp.push(bytes.subarray(cut))];
  assert.deepEqual(
    out.map((e) => e.raw),
    ['event: message\r\ndata: {"a":"é"}\r\n\r\n', ': comment\n\n', 'id: 7\ndata: x\n\n'],
  );
  assert.deepEqual(
    out.map((e) => e.data),
    ['{"a":"é"}', '', 'x'],
  );
  assert.equal(sp.end(), '');
});

test('data lines are joined; withData keeps the other fields in place', () => {
  const sp = new SseSplitter(1000);
  const [ev] = sp.push(Buffer.from('id: 1\ndata: a\ndata:b\nevent: message\n\n'));
  assert.equal(ev!.data, 'a\nb');
  assert.equal(withData(ev!, '{"x":1}'), 'id: 1\ndata: {"x":1}\nevent: message\n\n');
  assert.equal(sp.push(Buffer.from('data: tail')).length, 0);
  assert.equal(sp.end(), 'data: tail');
});

test('an event larger than the bound throws', () => {
  const sp = new SseSplitter(10);
  assert.throws(() => sp.push(Buffer.from('data: 0123456789')), SseEventTooLarge);
});
