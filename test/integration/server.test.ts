/** Transport-level behaviour: Envoy's close pattern at volume, limits, sockets, health, metrics, shutdown. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import { ExtProcTestClient, metadataValue, requestBody, requestHeaders } from '../helpers/extproc-client.js';
import { metricValue, startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { repoRoot } from '../helpers/repo.js';
import { freePort } from '../helpers/envoy.js';

const MIB = 1024 * 1024;

describe('Envoy close pattern at volume', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  it('5,000 streams closed Envoy-style (end, then reset) over one connection: zero failures', async () => {
    const client = new ExtProcTestClient(t.target);
    const total = 5000;
    const concurrency = 64;
    let next = 0;
    let failures = 0;
    const worker = async (): Promise<void> => {
      while (next < total) {
        next++;
        const s = client.open({ 'x-llm-provider': 'openai' });
        try {
          s.send(requestHeaders({ ':path': '/v1/chat/completions', authorization: 'Bearer t' }));
          const r = await s.next(5000);
          if (metadataValue(r, 'ai.kgateway.io', 'auth_token') !== 't') failures++;
        } catch {
          failures++;
        }
        s.endAndCancel();
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    assert.equal(failures, 0);
    // The connection is still the same healthy one: one more stream works.
    const s = client.open({});
    s.send(requestHeaders({ ':path': '/' }));
    await s.next();
    s.endAndCancel();
    client.close();
    await new Promise((r) => setTimeout(r, 100));
    const m = await t.metrics();
    assert.ok((metricValue(m, 'ai_extproc_grpc_streams_opened_total') ?? 0) >= total + 1);
  });
});

describe('limits and sockets', () => {
  it('accepts bodies above 8 MiB and refuses messages above GRPC_MAX_RECEIVE_BYTES', async () => {
    const t = await startTestApp({
      GRPC_MAX_RECEIVE_BYTES: String(10 * MIB),
      MAX_BODY_BYTES: String(12 * MIB),
    });
    const client = new ExtProcTestClient(t.target);
    try {
      const ok = client.open({ 'x-llm-provider': 'openai' });
      ok.send(requestHeaders({ ':path': '/v1/chat/completions' }, false, ['BUFFERED', 'BUFFERED']));
      await ok.next();
      ok.send(requestBody(Buffer.alloc(9 * MIB, 'a'), true));
      const r = await ok.next(10_000);
      assert.ok(r.request_body);
      ok.endAndCancel();

      const big = client.open({ 'x-llm-provider': 'openai' });
      big.send(requestHeaders({ ':path': '/v1/chat/completions' }, false, ['BUFFERED', 'BUFFERED']));
      await big.next();
      big.send(requestBody(Buffer.alloc(11 * MIB, 'a'), true));
      await assert.rejects(big.next(10_000), /stream ended/);
      assert.equal(
        big.status?.code ?? (big.error as grpc.ServiceError | undefined)?.code,
        grpc.status.RESOURCE_EXHAUSTED,
      );
    } finally {
      client.close();
      await t.close();
    }
  });

  it('rejects a receive limit under 8 MiB', async () => {
    await assert.rejects(startTestApp({ GRPC_MAX_RECEIVE_BYTES: String(MIB) }), /GRPC_MAX_RECEIVE_BYTES/);
  });

  it('serves on an abstract socket (unix-abstract:NAME) and answers gRPC health checks', async () => {
    const t = await startTestApp({}, { abstractSocket: true });
    try {
      const def = protoLoader.loadSync('grpc/health/v1/health.proto', {
        includeDirs: [path.join(repoRoot(), 'proto')],
        enums: String,
      });
      const pkg = grpc.loadPackageDefinition(def) as unknown as {
        grpc: { health: { v1: { Health: typeof grpc.Client } } };
      };
      const Health = pkg.grpc.health.v1.Health;
      const hc = new Health(t.target, grpc.credentials.createInsecure()) as grpc.Client & {
        Check(req: object, cb: (e: grpc.ServiceError | null, r: { status: string }) => void): void;
      };
      const res = await new Promise<{ status: string }>((resolve, reject) =>
        hc.Check({ service: '' }, (e, r) => (e ? reject(e) : resolve(r))),
      );
      assert.equal(res.status, 'SERVING');
      const err = await new Promise<grpc.ServiceError | null>((resolve) =>
        hc.Check({ service: 'nope' }, (e) => resolve(e)),
      );
      assert.equal(err?.code, grpc.status.NOT_FOUND);
      hc.close();

      const client = new ExtProcTestClient(t.target);
      const s = client.open({ 'x-llm-provider': 'openai' });
      s.send(requestHeaders({ ':path': '/v1/chat/completions', authorization: 'Bearer abs' }));
      assert.equal(metadataValue(await s.next(), 'ai.kgateway.io', 'auth_token'), 'abs');
      s.endAndCancel();
      client.close();
    } finally {
      await t.close();
    }
  });

  it('unix:///path removes a stale socket file left by a killed process', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-extproc-sock-'));
    const sock = path.join(dir, 'ext.sock');
    // Leave a stale socket behind: a process that listens and is then killed does not unlink it.
    const child = spawn(
      process.execPath,
      ['-e', `require('net').createServer().listen(${JSON.stringify(sock)}, () => console.log('up'))`],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    await new Promise((r) => child.stdout.once('data', r));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.ok(fs.statSync(sock).isSocket());
    const t = await startTestApp({ LISTEN_ADDR: `unix://${sock}` });
    try {
      const client = new ExtProcTestClient(`unix://${sock}`);
      const s = client.open({});
      s.send(requestHeaders({ ':path': '/' }));
      assert.ok((await s.next()).request_headers);
      s.endAndCancel();
      client.close();
    } finally {
      await t.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('metrics endpoint and custom labels', () => {
  it('serves /metrics, /healthz and /readyz; stats.json custom labels label the ai_* counters', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-otel-'));
    const stats = {
      customLabels: [
        { name: 'team', metadataNamespace: 'io.solo.transformation', metadataKey: 'team' },
        { name: 'n', metadataNamespace: 'io.solo.transformation', metadataKey: 'a:b' },
      ],
    };
    // kgateway renders base64(JSON) wrapped in literal quotes.
    fs.writeFileSync(
      path.join(dir, 'stats.json'),
      `"${Buffer.from(JSON.stringify(stats)).toString('base64')}"\n`,
    );
    const t = await startTestApp({ AI_OTEL_CONFIG_DIRS: `/nonexistent:${dir}` });
    const client = new ExtProcTestClient(t.target);
    try {
      assert.equal((await fetch(`${t.metricsUrl}/healthz`)).status, 200);
      assert.equal((await fetch(`${t.metricsUrl}/readyz`)).status, 200);
      const s = client.open({ 'x-llm-provider': 'openai' });
      s.send({
        ...requestHeaders({ ':path': '/v1/chat/completions' }),
        metadata_context: {
          filter_metadata: {
            'io.solo.transformation': {
              fields: {
                team: { stringValue: 'blue' },
                a: { structValue: { fields: { b: { numberValue: 5 } } } },
              },
            },
          },
        },
      });
      await s.next();
      s.send(requestBody(JSON.stringify({ model: 'm1', messages: [{ role: 'user', content: 'hi' }] }), true));
      await s.next();
      s.send({
        response_headers: {
          headers: {
            headers: [
              { key: ':status', raw_value: Buffer.from('200') },
              { key: 'content-type', raw_value: Buffer.from('application/json') },
            ],
          },
        },
      });
      await s.next();
      s.send({
        response_body: {
          body: Buffer.from('{"usage":{"prompt_tokens":2,"completion_tokens":5}}'),
          end_of_stream: true,
        },
      });
      await s.next();
      s.endAndCancel();
      const text = await t.metrics();
      assert.equal(
        metricValue(text, 'ai_completion_tokens_total', {
          llm: 'openai',
          model: 'm1',
          team: 'blue',
          n: '5.0',
        }),
        5,
      );
      assert.match(text, /process_cpu_seconds_total/);
      assert.match(text, /nodejs_heap_size_used_bytes/);
    } finally {
      client.close();
      await t.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a bad stats.json is not fatal', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-otel-'));
    fs.writeFileSync(path.join(dir, 'stats.json'), 'not base64 json');
    const t = await startTestApp({ AI_OTEL_CONFIG_DIRS: dir });
    try {
      assert.ok(t.logs.some((l) => l.msg === 'ignoring invalid stats config'));
      assert.match(await t.metrics(), /ai_prompt_tokens_total/);
    } finally {
      await t.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('process lifecycle', () => {
  it('SIGTERM stops the server gracefully, even with a stream open', async () => {
    const metricsPort = await freePort();
    const grpcPort = await freePort();
    const node = process.execPath;
    const child = spawn(node, [path.join(repoRoot(), 'dist/src/main.js')], {
      env: {
        ...process.env,
        LISTEN_ADDR: `127.0.0.1:${grpcPort}`,
        METRICS_ADDR: `127.0.0.1:${metricsPort}`,
        LOG_LEVEL: 'info',
        AI_OTEL_CONFIG_DIRS: '/nonexistent',
        SHUTDOWN_GRACE_MS: '1000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    let client: ExtProcTestClient | undefined;
    try {
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      // Generous bounds: they catch a hang, not slowness (the machine may be busy).
      const deadline = Date.now() + 60_000;
      while (!out.includes('ai-extproc started')) {
        if (Date.now() > deadline) throw new Error(`no start line: ${out}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      // An open stream must not hold the shutdown past the grace period.
      client = new ExtProcTestClient(`127.0.0.1:${grpcPort}`);
      const s = client.open({});
      s.send(requestHeaders({ ':path': '/' }));
      await s.next();
      child.kill('SIGTERM');
      const code = await Promise.race([
        exited,
        new Promise<'hung'>((r) => setTimeout(() => r('hung'), 60_000).unref()),
      ]);
      assert.equal(code, 0, 'the server exits cleanly although a stream is still open');
      assert.match(out, /shutting down/);
      // Logs are JSON lines.
      for (const line of out.trim().split('\n')) JSON.parse(line);
    } finally {
      client?.close();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
  });

  it('the binary refuses a bad LISTEN_ADDR with a clear message', () => {
    try {
      execFileSync(process.execPath, [path.join(repoRoot(), 'dist/src/main.js')], {
        env: { ...process.env, LISTEN_ADDR: 'nonsense', METRICS_ADDR: '127.0.0.1:0' },
        stdio: 'pipe',
      });
      assert.fail('should have exited');
    } catch (err) {
      const e = err as { status: number; stderr: Buffer };
      assert.equal(e.status, 1);
      assert.match(e.stderr.toString(), /cannot parse listen address "nonsense"/);
    }
  });
});
