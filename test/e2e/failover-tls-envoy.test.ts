/**
 * Each failover target keeps its own TLS inside one failover cluster: SNI and certificate checks
 * per provider host (transport_socket_matches on the endpoint), against the backend's own CA. The
 * test makes a CA and two https providers: one whose certificate does not name the host it is
 * reached by (the handshake fails: a connect failure, retried on the next target), and one that
 * serves, seen with its own name as SNI.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { startStandaloneStack } from '../helpers/stack.js';
import type { StandaloneStack } from '../helpers/stack.js';
import { metricValue } from '../helpers/app.js';
import { startScripted } from '../helpers/scripted-upstream.js';
import type { ScriptedUpstream } from '../helpers/scripted-upstream.js';

/** A CA and a server certificate for DNS:localhost only, made with openssl. */
function makeCerts(dir: string): { ca: string; key: string; cert: string } {
  const run = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=ai-extproc test CA',
  );
  run(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'srv.key',
    '-out',
    'srv.csr',
    '-subj',
    '/CN=localhost',
  );
  fs.writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=DNS:localhost\n');
  run(
    'x509',
    '-req',
    '-in',
    'srv.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'srv.pem',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  );
  const read = (f: string): string => fs.readFileSync(path.join(dir, f), 'utf8');
  return { ca: path.join(dir, 'ca.pem'), key: read('srv.key'), cert: read('srv.pem') };
}

const COMPLETION = JSON.stringify({
  id: 'chatcmpl-tls',
  object: 'chat.completion',
  created: 1,
  model: 'gpt-4o',
  choices: [{ index: 0, message: { role: 'assistant', content: 'over TLS' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
});

describe('failover targets keep their own TLS', () => {
  let dir: string;
  let stack: StandaloneStack;
  let wrongName: ScriptedUpstream;
  let good: ScriptedUpstream;
  let openai: OpenAI;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-extproc-tls-'));
    const { ca, key, cert } = makeCerts(dir);
    wrongName = await startScripted(() => ({ status: 200, body: COMPLETION }), { key, cert });
    good = await startScripted(() => ({ status: 200, body: COMPLETION }), { key, cert });
    // The first target is reached by IP: its certificate names only localhost, so it must fail.
    stack = await startStandaloneStack(`
version: 1
backends:
  by-ip: { provider: openai, baseUrl: https://127.0.0.1:${wrongName.port}, caFile: ${ca}, auth: { none: true } }
  by-name: { provider: openai, baseUrl: https://localhost:${good.port}, caFile: ${ca}, auth: { none: true } }
routes:
  - name: chat
    match: { pathPrefix: /v1/chat/completions }
    models:
      secure:
        targets:
          - { backend: by-ip, model: gpt-4o, priority: 0 }
          - { backend: by-name, model: gpt-4o, priority: 1 }
`);
    openai = new OpenAI({ baseURL: `${stack.envoy.url}/v1`, apiKey: 'k', maxRetries: 0 });
  });
  after(async () => {
    await stack?.close();
    await wrongName?.close();
    await good?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a certificate that does not name its host is refused; the next target is verified by its SNI', async () => {
    const answer = await openai.chat.completions.create({
      model: 'secure',
      messages: [{ role: 'user', content: 'hi' }],
    });
    assert.equal(answer.choices[0]!.message.content, 'over TLS');
    assert.equal(wrongName.seen.length, 0, 'no request over an unverified connection');
    assert.equal(good.seen.length, 1);
    assert.equal(good.seen[0]!.servername, 'localhost');
    assert.equal(good.seen[0]!.headers.host, `localhost:${good.port}`);
    const metrics = await stack.ext.metrics();
    const attempts = (target: string, result: string): number | undefined =>
      metricValue(metrics, 'ai_extproc_upstream_attempts_total', { route: 'chat', target, result });
    // The handshake failed after the attempt was sent to the upstream filter: no response.
    assert.equal(attempts('chat/secure/0', 'no_response'), 1);
    assert.equal(attempts('chat/secure/1', 'ok'), 1);
  });
});
