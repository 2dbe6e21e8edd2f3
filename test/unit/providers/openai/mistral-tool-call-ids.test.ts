/**
 * Mistral's tool call ids (9 characters of [a-zA-Z0-9]): a history from OpenAI (`call_…`) or Anthropic
 * (`toolu_…`) gets ids Mistral takes, the same in a call and in its result, unique, stable across requests
 * (the next turn replays the same history), while Mistral's own ids pass unchanged.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mistralProvider } from '../../../../src/providers/openai/index.js';
import { mistralToolCallIds } from '../../../../src/providers/openai/openai-to-mistral.tool-call-ids.js';
import type { Json, UpstreamTarget } from '../../../../src/providers/translate/types.js';
import { mistralRequestProblems } from '../../../../mock-provider/rules/mistral.js';

const TARGET: UpstreamTarget = { provider: 'mistral', model: 'mistral-small-latest', stream: false };
const call = (id: string): Json => ({ id, type: 'function', function: { name: 'f', arguments: '{}' } });
const history = (ids: string[]): Json[] => [
  { role: 'user', content: 'go' },
  { role: 'assistant', content: null, tool_calls: ids.map(call) },
  ...ids.map((id) => ({ role: 'tool', tool_call_id: id, content: 'ok' })),
];
const sent = (messages: Json[]): Json[] =>
  (JSON.parse(mistralProvider.request({ model: 'm', messages }, TARGET).body.toString('utf8')) as Json)
    .messages as Json[];

describe('Mistral tool call ids', () => {
  it('foreign ids become 9 alphanumerics, paired in calls and results; Mistral takes the request', () => {
    const messages = history(['call_Q3xXJpm6ie6yyHqtZ4ywk1nH', 'toolu_01A09q90qw90lq917835lq9', 'gSIMJiOkT']);
    const frozen = structuredClone(messages);
    const out = sent(messages);
    assert.deepEqual(messages, frozen, 'the client request is not mutated');
    const ids = ((out[1] as Json).tool_calls as Json[]).map((c) => c.id as string);
    for (const id of ids) assert.match(id, /^[a-zA-Z0-9]{9}$/);
    assert.equal(ids[2], 'gSIMJiOkT', "Mistral's own id is kept");
    assert.equal(new Set(ids).size, 3);
    assert.deepEqual(
      out.slice(2).map((m) => m.tool_call_id),
      ids,
    );
    assert.deepEqual(mistralRequestProblems({ model: TARGET.model, messages: out }), []);
    // Without the rewrite Mistral refuses the history.
    assert.match(
      mistralRequestProblems({ model: TARGET.model, messages }).join(),
      /Tool call id was call_Q3xXJpm6ie6yyHqtZ4ywk1nH but must be a-z, A-Z, 0-9, with a length of 9/,
    );
  });

  it('stable across requests, so every turn of a conversation maps the same ids the same way', () => {
    const first = sent(history(['call_1']));
    const second = sent([...history(['call_1']), { role: 'user', content: 'again' }]);
    assert.equal(
      ((first[1] as Json).tool_calls as Json[])[0]?.id,
      ((second[1] as Json).tool_calls as Json[])[0]?.id,
    );
  });

  it('a history without foreign ids is returned as it is', () => {
    const messages = history(['gSIMJiOkT']);
    assert.equal(mistralToolCallIds(messages), messages);
  });

  it('a derived id never takes one Mistral gave in the same request', () => {
    const derived = ((sent(history(['call_x']))[1] as Json).tool_calls as Json[])[0]?.id as string;
    const out = sent(history([derived, 'call_x']));
    const ids = ((out[1] as Json).tool_calls as Json[]).map((c) => c.id);
    assert.equal(ids[0], derived);
    assert.notEqual(ids[1], derived);
    assert.match(String(ids[1]), /^[a-zA-Z0-9]{9}$/);
  });
});
