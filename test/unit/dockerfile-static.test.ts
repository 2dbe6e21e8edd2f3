/** The Dockerfile and .dockerignore, checked statically (see dockerfile.test.ts for the build and run). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadSettings } from '../../src/config/env.js';
import { root, DockerIgnore, df, finalConfig } from './dockerfile-model.js';
import type { Stage } from './dockerfile-model.js';
import { nodeMajor } from './dockerfile-builder.js';

describe('Dockerfile (static)', () => {
  it('is multi-stage, with build, runtime and demo stages and a runtime final stage', () => {
    const names = df.stages.map((s) => s.name);
    assert.ok(names.includes('build') && names.includes('runtime') && names.includes('demo'), String(names));
    // The final stage is (or is FROM) runtime, so `docker build .` never produces the demo image.
    const chain: string[] = [];
    for (let s: Stage | undefined = df.final; s; s = df.parent(s)) chain.push(s.name ?? '(final)');
    assert.ok(chain.includes('runtime'), `final stage chain ${chain.join(' <- ')}`);
    assert.ok(!chain.includes('demo') && !chain.includes('build'), `final stage chain ${chain.join(' <- ')}`);
  });

  it('runs on Node >= 22 (the HTTP/2 server needs streamResetBurst/streamResetRate)', () => {
    for (const s of df.stages) {
      const image = df.config(s).baseImage;
      const major = nodeMajor(image);
      assert.ok(
        major !== undefined && major >= 22,
        `stage ${s.name ?? s.index}: base ${image} is not node >= 22`,
      );
    }
  });

  it('final stage: non-root numeric USER, EXPOSE 9092, exec-form CMD running dist/src/main.js, no ENTRYPOINT', () => {
    const user = finalConfig.user;
    assert.ok(user, 'USER is set');
    const uid = user.split(':')[0]!;
    assert.match(uid, /^\d+$/, 'numeric uid, so Kubernetes runAsNonRoot can verify it');
    assert.notEqual(Number(uid), 0);
    assert.ok(
      finalConfig.expose.some((p) => p === '9092' || p === '9092/tcp'),
      `EXPOSE ${finalConfig.expose.join(' ')}`,
    );
    assert.deepEqual(finalConfig.cmd, { exec: true, args: ['node', 'dist/src/main.js'] });
    assert.equal(
      finalConfig.entrypoint,
      undefined,
      'kgateway sets no command/args: CMD alone must start the server',
    );
    assert.ok(path.posix.isAbsolute(finalConfig.workdir) && finalConfig.workdir !== '/');
  });

  it("final stage ENV matches the server's own defaults (kgateway's abstract socket, metrics on :9092)", () => {
    const env = finalConfig.env;
    assert.equal(env.LISTEN_ADDR, 'unix-abstract:kgateway-ai-sock');
    assert.equal(env.METRICS_ADDR, '0.0.0.0:9092');
    assert.equal(env.LOG_LEVEL, 'INFO');
    assert.equal(env.NODE_ENV, 'production');
    const fromImage = loadSettings(env);
    const defaults = loadSettings({});
    assert.deepEqual(fromImage.listen, defaults.listen);
    assert.equal(fromImage.metricsPort, defaults.metricsPort);
    assert.equal(fromImage.metricsHost, defaults.metricsHost);
    assert.equal(fromImage.logLevel, defaults.logLevel);
  });

  it('.dockerignore keeps host builds and installs out of the context, but not what COPY needs', () => {
    const ignore = new DockerIgnore(fs.readFileSync(path.join(root, '.dockerignore'), 'utf8'));
    for (const p of [
      'node_modules',
      'node_modules/x/index.js',
      'dist',
      'dist/src/main.js',
      '.venv',
      '.git',
      '.tmp',
    ])
      assert.ok(ignore.ignored(p), `${p} should be ignored`);
    for (const p of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'src/main.ts',
      'proto/envoy',
      'mock-provider/fixtures',
    ])
      assert.ok(!ignore.ignored(p), `${p} must stay in the context`);
  });
});
