import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HEADER_MISMATCH,
  INVALID_PARAMS,
  INVALID_REQUEST,
  METHOD_NOT_FOUND,
  McpPolicy,
  McpRuleError,
  McpRules,
  PARSE_ERROR,
  RESOURCE_NOT_FOUND,
  argumentSlots,
  errorResponse,
  headerMismatch,
  parseMessage,
  resultSlots,
} from '../../../src/mcp/index.js';
import type { RpcMessage } from '../../../src/mcp/index.js';

test('tools: allow list with exact names and RE2 patterns; deny wins', () => {
  const rules = new McpRules({
    tools: { allow: ['echo', { regex: 'read_.*' }], deny: ['read_secrets', { regex: '.*_admin' }] },
  });
  assert.deepEqual(rules.decide('tools/call', { name: 'echo' }), { allow: true });
  assert.deepEqual(rules.decide('tools/call', { name: 'read_file' }), { allow: true });
  const denied = rules.decide('tools/call', { name: 'read_secrets' });
  assert.deepEqual(denied, {
    allow: false,
    reason: 'tool',
    error: { code: INVALID_PARAMS, message: 'Tool read_secrets not found' },
  });
  assert.equal(rules.decide('tools/call', { name: 'read_admin' }).allow, false);
  // Not on the allow list; a pattern must match the whole name.
  assert.equal(rules.decide('tools/call', { name: 'xecho' }).allow, false);
  assert.equal(rules.decide('tools/call', { name: 'echo2' }).allow, false);
  // No name: refused as invalid params, never let through unread.
  assert.equal(rules.decide('tools/call', {}).allow, false);
  assert.equal(rules.decide('tools/call', undefined).allow, false);
  // Other methods are not about tools.
  assert.equal(rules.decide('prompts/get', { name: 'anything' }).allow, true);
  rules.release();
});

test('prompts by name, resources by URI with their own error code', () => {
  const rules = new McpRules({
    prompts: { deny: ['leak'] },
    resources: { allow: [{ regex: 'file:///public/.*' }] },
  });
  assert.equal(rules.decide('prompts/get', { name: 'leak' }).allow, false);
  assert.equal(rules.decide('prompts/get', { name: 'greet' }).allow, true);
  assert.deepEqual(rules.decide('resources/read', { uri: 'file:///etc/passwd' }), {
    allow: false,
    reason: 'resource',
    error: { code: RESOURCE_NOT_FOUND, message: 'Resource file:///etc/passwd not found' },
  });
  assert.equal(rules.decide('resources/read', { uri: 'file:///public/a.txt' }).allow, true);
  assert.equal(rules.decide('resources/subscribe', { uri: 'file:///private/x' }).allow, false);
  rules.release();
});

test('method allow list: lifecycle methods always pass', () => {
  const rules = new McpRules({ methods: ['tools/list', 'tools/call'] });
  assert.equal(rules.decide('tools/list', undefined).allow, true);
  assert.equal(rules.decide('initialize', {}).allow, true);
  assert.equal(rules.decide('ping', undefined).allow, true);
  assert.equal(rules.decide('server/discover', undefined).allow, true);
  const d = rules.decide('resources/read', { uri: 'x' });
  assert.deepEqual(d, {
    allow: false,
    reason: 'method',
    error: { code: METHOD_NOT_FOUND, message: 'Method not found' },
  });
  assert.equal(rules.empty, false);
  assert.equal(new McpRules({}).empty, true);
});

test('lists are filtered by the same rules, order kept', () => {
  const rules = new McpRules({
    tools: { deny: ['rm', { regex: 'debug_.*' }] },
    resources: { deny: ['mem://secret'] },
  });
  assert.equal(rules.filters('tools/list'), 'tools');
  assert.equal(rules.filters('prompts/list'), undefined);
  assert.equal(rules.filters('resources/list'), 'resources');
  const result = {
    tools: [{ name: 'ls' }, { name: 'rm' }, { name: 'debug_dump' }, { name: 'cat' }, { bad: 1 }],
    nextCursor: 'c',
  };
  assert.equal(rules.filterResult('tools/list', result), 3);
  assert.deepEqual(result, { tools: [{ name: 'ls' }, { name: 'cat' }], nextCursor: 'c' });
  const res = { resources: [{ uri: 'mem://secret' }, { uri: 'mem://ok' }] };
  assert.equal(rules.filterResult('resources/list', res), 1);
  assert.deepEqual(res.resources, [{ uri: 'mem://ok' }]);
});

test('a bad pattern names its place', () => {
  assert.throws(
    () => new McpRules({ tools: { deny: ['ok', { regex: 'a(' }] } }),
    (err: unknown) => err instanceof McpRuleError && err.at.join('.') === 'tools.deny.1.regex',
  );
  // A pattern that only compiles by escaping its anchors is refused, not widened.
  assert.throws(() => new McpRules({ tools: { allow: [{ regex: 'a)|(b' }] } }), McpRuleError);
});

test('one JSON-RPC message: batches, non-JSON and malformed messages are errors', () => {
  assert.deepEqual(parseMessage('[{"jsonrpc":"2.0","id":1,"method":"ping"}]'), {
    ok: false,
    code: INVALID_REQUEST,
    reason: 'batches are not supported',
    id: null,
  });
  assert.equal((parseMessage('{nope') as { code: number }).code, PARSE_ERROR);
  assert.equal(
    (parseMessage('{"jsonrpc":"1.0","id":1,"method":"x"}') as { code: number }).code,
    INVALID_REQUEST,
  );
  assert.equal(
    (parseMessage('{"jsonrpc":"2.0","id":{},"method":"x"}') as { code: number }).code,
    INVALID_REQUEST,
  );
  assert.equal((parseMessage('{"jsonrpc":"2.0","id":1,"method":"x","params":[1]}') as { id: unknown }).id, 1);
  const req = parseMessage('{"jsonrpc":"2.0","id":"a","method":"tools/call","params":{"name":"t"}}');
  assert.ok(req.ok);
  assert.deepEqual(req.message, { kind: 'request', id: 'a', method: 'tools/call', params: { name: 't' } });
  const note = parseMessage('{"jsonrpc":"2.0","method":"notifications/initialized"}');
  assert.ok(note.ok && note.message.kind === 'notification');
  const resp = parseMessage('{"jsonrpc":"2.0","id":3,"result":{}}');
  assert.ok(resp.ok && resp.message.kind === 'response');
  assert.equal(
    errorResponse(7, { code: -32602, message: 'Tool x not found' }),
    '{"jsonrpc":"2.0","id":7,"error":{"code":-32602,"message":"Tool x not found"}}',
  );
});

test('Mcp-Method / Mcp-Name must agree with the body', () => {
  const call: RpcMessage = { kind: 'request', id: 1, method: 'tools/call', params: { name: 'echo' } };
  const h = (m: Record<string, string>) => (n: string) => m[n];
  assert.equal(headerMismatch(h({}), call), undefined);
  assert.equal(headerMismatch(h({ 'mcp-method': 'tools/call', 'mcp-name': ' echo ' }), call), undefined);
  assert.match(headerMismatch(h({ 'mcp-method': 'tools/list' }), call)!, /Mcp-Method/);
  assert.match(headerMismatch(h({ 'mcp-method': 'TOOLS/CALL', 'mcp-name': 'echo' }), call)!, /Mcp-Method/);
  assert.match(headerMismatch(h({ 'mcp-method': 'tools/call', 'mcp-name': 'rm' }), call)!, /Mcp-Name/);
  assert.match(headerMismatch(h({ 'mcp-method': 'tools/call' }), call)!, /missing/);
  assert.match(headerMismatch(h({ 'mcp-name': 'rm' }), call)!, /Mcp-Name/);
  const list: RpcMessage = { kind: 'request', id: 1, method: 'tools/list', params: undefined };
  assert.equal(headerMismatch(h({ 'mcp-method': 'tools/list' }), list), undefined);
  // Mcp-Name on a method that names nothing is ignored (the v2 SDK server accepts it too).
  assert.equal(headerMismatch(h({ 'mcp-method': 'tools/list', 'mcp-name': 'x' }), list), undefined);
  assert.equal(HEADER_MISMATCH, -32020);
});

test('string walkers reach every argument string and the text of results, not their types', () => {
  const params = { name: 't', arguments: { a: 'x', n: 1, list: ['y', { deep: 'z' }] } };
  const slots = argumentSlots(params);
  assert.deepEqual(
    slots.map((s) => s.path),
    ['arguments.a', 'arguments.list[0]', 'arguments.list[1].deep'],
  );
  slots[2]!.set('Z');
  assert.equal(params.arguments.list[1] && (params.arguments.list[1] as { deep: string }).deep, 'Z');
  const result = {
    content: [
      { type: 'text', text: 'hello' },
      { type: 'image', data: 'AAAA', mimeType: 'image/png' },
      { type: 'resource', resource: { uri: 'u', text: 'inner', mimeType: 'text/plain' } },
    ],
    structuredContent: { k: 'v' },
    _meta: { secret: 'not a result' },
  };
  assert.deepEqual(
    resultSlots(result).map((s) => s.path),
    ['content[0].text', 'content[2].resource.uri', 'content[2].resource.text', 'structuredContent.k'],
  );
  assert.throws(() =>
    argumentSlots({ arguments: Array.from({ length: 5 }, () => 's') }, { maxStrings: 4, maxDepth: 8 }),
  );
  let deep: unknown = 's';
  for (let i = 0; i < 10; i++) deep = [deep];
  assert.throws(() => argumentSlots({ arguments: deep as object }, { maxStrings: 100, maxDepth: 5 }));
});

test('per-client rules: the first entry naming the caller replaces the defaults', () => {
  const policy = new McpPolicy({
    tools: { deny: ['rm'] },
    clientRules: [
      { clients: ['ci-bot'], tools: { allow: ['read_file'] } },
      { clients: ['ci-bot', 'admin'], tools: {} },
    ],
  });
  assert.equal(policy.decide('tools/call', { name: 'rm' }).allow, false);
  assert.equal(policy.decide('tools/call', { name: 'rm' }, { client: undefined }).allow, false);
  assert.equal(policy.decide('tools/call', { name: 'rm' }, { client: 'stranger' }).allow, false);
  assert.equal(policy.decide('tools/call', { name: 'ls' }, { client: 'ci-bot' }).allow, false);
  assert.equal(policy.decide('tools/call', { name: 'read_file' }, { client: 'ci-bot' }).allow, true);
  assert.equal(policy.decide('tools/call', { name: 'rm' }, { client: 'admin' }).allow, true);
  const tools = [{ name: 'rm' }, { name: 'read_file' }, { name: 'ls' }];
  assert.deepEqual(policy.filterList('tools', tools, { client: 'ci-bot' }).items, [{ name: 'read_file' }]);
  assert.deepEqual(policy.filterList('tools', tools).items, [{ name: 'read_file' }, { name: 'ls' }]);
  assert.equal(policy.filters('tools/list', { client: 'admin' }), undefined);
  assert.equal(policy.empty, false);
  assert.throws(
    () => new McpPolicy({ clientRules: [{ clients: ['a'], tools: { deny: [{ regex: '(' }] } }] }),
    (err: unknown) => err instanceof McpRuleError && err.at.join('.') === 'clientRules.0.tools.deny.0.regex',
  );
  policy.release();
});
