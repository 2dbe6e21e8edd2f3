import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RecordStage } from '../../../../src/pipeline/stages/record.js';
import type { LogSink } from '../../../../src/pipeline/log.js';
import type { ExchangeScope } from '../../../../src/pipeline/stage.js';

function sink(infoEnabled: boolean | undefined): LogSink & { lines: object[] } {
  const lines: object[] = [];
  const noop = (): void => undefined;
  return {
    lines,
    debug: noop,
    info: (obj: object) => void lines.push(obj),
    warn: noop,
    error: noop,
    ...(infoEnabled !== undefined
      ? { isLevelEnabled: (l: string) => (l === 'info' ? infoEnabled : true) }
      : {}),
  };
}

const scope = {
  route: { name: 'chat' },
  x: {
    requestId: 'r1',
    backend: 'anthropic',
    client: undefined,
    provider: 'anthropic',
    path: '/v1/chat/completions',
    model: 'claude',
    status: 200,
    outcome: 'completed',
    dropped: [],
    decisions: [],
    pick: undefined,
    startedAt: performance.now(),
    facts: undefined,
  },
} as unknown as ExchangeScope;

describe('RecordStage summary line', () => {
  it('writes one line when info is on, or when the sink cannot say', () => {
    for (const enabled of [true, undefined]) {
      const log = sink(enabled);
      new RecordStage({}, log).onClose(scope, 'completed');
      assert.equal(log.lines.length, 1);
      assert.equal((log.lines[0] as { route?: string }).route, 'chat');
    }
  });

  it('builds nothing when info is off', () => {
    const log = sink(false);
    new RecordStage({}, log).onClose(scope, 'completed');
    assert.equal(log.lines.length, 0);
  });
});
