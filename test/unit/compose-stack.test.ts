import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { envoyBin, freePort } from '../helpers/envoy.js';
import { parseYamlSubset } from './compose-yaml.js';
import {
  root,
  composePath,
  composeEnvoyPath,
  COMPOSE,
  isObj,
  obj,
  strList,
  waitForLine,
  waitForHttp,
  stop,
} from './compose-fixtures.js';

describe('the compose stack, run on the host', () => {
  const procs: ChildProcess[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-extproc-compose-'));
  let envoyUrl = '';
  let metricsUrl = '';
  let envoyStdout = '';
  const envoyOut = (): string => (fs.existsSync(envoyStdout) ? fs.readFileSync(envoyStdout, 'utf8') : '');

  before(async () => {
    const compose = obj(parseYamlSubset(fs.readFileSync(composePath, 'utf8')), 'compose');
    const services = obj(compose.services, 'services');
    const [mockPort, listenPort, adminPort, metricsPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const socket = `ai-extproc-compose-test-${process.pid}`;

    // mock-provider: the compose command, on a free loopback port.
    const mockCmd = strList(obj(services['mock-provider'], '').command, 'command').map((a) =>
      a === String(COMPOSE.upstreamPort) ? String(mockPort) : a === '0.0.0.0' ? '127.0.0.1' : a,
    );
    assert.equal(mockCmd[0], 'node');
    const mock = spawn(process.execPath, mockCmd.slice(1), {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    procs.push(mock);

    // ai-extproc: the image CMD (node dist/src/main.js) with the compose environment.
    const svcEnv = obj(services['ai-extproc'], '').environment;
    const composeEnv = Object.fromEntries(
      Object.entries(isObj(svcEnv) ? svcEnv : {}).map(([k, v]) => {
        assert.ok(typeof v === 'string' || typeof v === 'number', `ai-extproc.environment.${k} is a scalar`);
        return [k, String(v)];
      }),
    );
    const ext = spawn(process.execPath, ['dist/src/main.js'], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        ...composeEnv,
        LISTEN_ADDR: `unix-abstract:${socket}`,
        METRICS_ADDR: `127.0.0.1:${metricsPort}`,
        AI_OTEL_CONFIG_DIRS: '/nonexistent',
      },
    });
    procs.push(ext);

    // Envoy: the compose bootstrap with host-local ports, upstream and socket name.
    const cfg = fs
      .readFileSync(composeEnvoyPath, 'utf8')
      .replace(
        `address: 0.0.0.0, port_value: ${COMPOSE.adminPort} }`,
        `address: 127.0.0.1, port_value: ${adminPort} }`,
      )
      .replace(
        `address: 0.0.0.0, port_value: ${COMPOSE.listenPort} }`,
        `address: 127.0.0.1, port_value: ${listenPort} }`,
      )
      .replace(`'@${COMPOSE.socket}'`, `'@${socket}'`)
      .replace(
        `address: ${COMPOSE.upstreamHost}, port_value: ${COMPOSE.upstreamPort} }`,
        `address: 127.0.0.1, port_value: ${mockPort} }`,
      );
    const cfgPath = path.join(tmp, 'envoy.yaml');
    fs.writeFileSync(cfgPath, cfg);
    const envoyCmd = strList(obj(services.envoy, '').command, 'envoy.command');
    const flushIdx = envoyCmd.indexOf('--file-flush-interval-msec');
    envoyStdout = path.join(tmp, 'envoy.stdout');
    const stdoutFd = fs.openSync(envoyStdout, 'w');
    const envoy = spawn(
      envoyBin(),
      [
        '-c',
        cfgPath,
        '--concurrency',
        '1',
        '--disable-hot-restart',
        '--file-flush-interval-msec',
        flushIdx >= 0 ? (envoyCmd[flushIdx + 1] ?? '100') : '100',
        '-l',
        'error',
      ],
      // The access log is /dev/stdout: a file here (Node's stdio pipes are socketpairs, which it cannot open).
      { stdio: ['ignore', stdoutFd, 'inherit'] },
    );
    fs.closeSync(stdoutFd);
    procs.push(envoy);

    await waitForLine(mock, /mock-provider listening on \S+/, 'mock-provider');
    metricsUrl = `http://127.0.0.1:${metricsPort}`;
    await waitForHttp(`${metricsUrl}/readyz`, 'ai-extproc');
    await waitForHttp(`http://127.0.0.1:${adminPort}/ready`, 'envoy');
    envoyUrl = `http://127.0.0.1:${listenPort}`;
  });

  after(async () => {
    await Promise.all(procs.map(stop));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('a chat completion goes through Envoy, ai-extproc counts its tokens, the access log shows them', async () => {
    const res = await fetch(`${envoyUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer sk-compose',
        'x-test-tag': 'compose-1',
      },
      body: JSON.stringify({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hello from compose' }],
      }),
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { usage?: { prompt_tokens?: number } };
    assert.ok((body.usage?.prompt_tokens ?? 0) > 0);

    const metrics = await (await fetch(`${metricsUrl}/metrics`)).text();
    assert.match(metrics, /^ai_prompt_tokens_total\{[^}]*\} [1-9]/m);

    const end = Date.now() + 20_000;
    let entry: Record<string, unknown> | undefined;
    while (!entry && Date.now() < end) {
      entry = envoyOut()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((e) => e.tag === 'compose-1');
      if (!entry) await new Promise((r) => setTimeout(r, 25));
    }
    assert.ok(entry, `no access-log line on Envoy's stdout:\n${envoyOut()}`);
    assert.equal(entry.status, 200);
    assert.equal(entry.prompt_tokens, body.usage?.prompt_tokens);
    assert.equal(entry.provider, 'openai');
  });
});
