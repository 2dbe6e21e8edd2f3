/**
 * envoy/docker-compose.yaml and its Envoy bootstrap (envoy/compose/envoy.yaml), checked without Docker:
 *
 *   - the compose file is parsed (strict YAML-subset parser in compose-yaml.ts: js-yaml is not a direct dependency
 *     and there is no `docker compose` here) and its structure is checked against the Dockerfile, the Makefile and
 *     the Envoy config: three services, Envoy in ai-extproc's network namespace (the abstract socket is per
 *     namespace), the build targets exist, ports line up;
 *   - envoy/compose/envoy.yaml is the kgateway template (envoy/kgateway/envoy.yaml) with the placeholders filled in
 *     for compose. It is generated from the template: when the template changes, regenerate it with
 *       UPDATE_COMPOSE_ENVOY=1 node_modules/.bin/node --test dist/test/unit/compose.test.js
 *   - the real Envoy binary validates it (`--mode validate`: no DNS lookups, so `mock-provider` needs no resolver);
 *   - in compose-stack.test.ts, the stack is run as compose would run it, on the host: the mock provider with the
 *     compose command, ai-extproc with the image's CMD, Envoy with the compose config (ports, upstream host and
 *     socket name rewritten so it can run next to other tests), and one chat completion goes through it.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { envoyBin } from '../helpers/envoy.js';
import { parseYamlSubset } from './compose-yaml.js';
import {
  root,
  composeDir,
  composePath,
  composeEnvoyPath,
  COMPOSE,
  renderComposeEnvoy,
  obj,
  strList,
  containerPort,
  dockerfileStages,
} from './compose-fixtures.js';

// ---------------------------------------------------------------------------------------------------------------

if (process.env.UPDATE_COMPOSE_ENVOY === '1') {
  fs.mkdirSync(path.dirname(composeEnvoyPath), { recursive: true });
  fs.writeFileSync(composeEnvoyPath, renderComposeEnvoy());
}

describe('envoy/docker-compose.yaml', () => {
  const compose = obj(parseYamlSubset(fs.readFileSync(composePath, 'utf8')), 'compose file');
  const services = obj(compose.services, 'services');
  const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  const envoyCfg = fs.readFileSync(composeEnvoyPath, 'utf8');

  it('has exactly the three services', () => {
    assert.deepEqual(Object.keys(services).sort(), ['ai-extproc', 'envoy', 'mock-provider']);
  });

  it('runs Envoy in the ai-extproc network namespace, like the two containers of the kgateway pod', () => {
    const envoy = obj(services.envoy, 'envoy');
    assert.equal(envoy.network_mode, 'service:ai-extproc');
    // Docker rejects ports/networks next to network_mode: Envoy's ports are published by ai-extproc.
    assert.equal(envoy.ports, undefined);
    assert.equal(envoy.networks, undefined);
    const deps = envoy.depends_on;
    const depNames = Array.isArray(deps) ? deps : Object.keys(obj(deps, 'envoy.depends_on'));
    assert.ok(depNames.includes('ai-extproc'), 'envoy must depend on ai-extproc');
    assert.ok(depNames.includes('mock-provider'), 'envoy must depend on mock-provider');

    const published = strList(obj(services['ai-extproc'], 'ai-extproc').ports, 'ai-extproc.ports').map(
      containerPort,
    );
    assert.ok(published.includes(COMPOSE.listenPort), 'Envoy listener port published');
    assert.ok(published.includes(COMPOSE.adminPort), 'Envoy admin port published');
    assert.ok(published.includes(9092), 'ai-extproc metrics port published');
    assert.match(envoyCfg, new RegExp(`address: 0\\.0\\.0\\.0, port_value: ${COMPOSE.listenPort} `));
    assert.match(envoyCfg, new RegExp(`address: 0\\.0\\.0\\.0, port_value: ${COMPOSE.adminPort} `));
  });

  it('builds ai-extproc and mock-provider from Dockerfile targets that exist, with distinct image tags', () => {
    const stages = dockerfileStages(dockerfile);
    const built = new Map<string, string>();
    for (const name of ['ai-extproc', 'mock-provider']) {
      const svc = obj(services[name], name);
      const build = obj(svc.build, `${name}.build`);
      assert.equal(typeof build.context, 'string');
      assert.equal(
        path.resolve(composeDir, build.context as string),
        root,
        `${name}: build context is the repo root`,
      );
      const dockerfileName = typeof build.dockerfile === 'string' ? build.dockerfile : 'Dockerfile';
      assert.ok(fs.existsSync(path.resolve(root, dockerfileName)), `${name}: ${dockerfileName} exists`);
      const target = build.target;
      assert.ok(typeof target === 'string', `${name}: build.target`);
      assert.ok(stages.includes(target), `${name}: target ${target} is a stage`);
      assert.equal(typeof svc.image, 'string', `${name}: image tag`);
      built.set(svc.image as string, target);
    }
    assert.equal(built.size, 2, 'two targets need two image tags (one would overwrite the other)');
    assert.deepEqual([...built.values()].sort(), ['demo', 'runtime']);
  });

  it('runs ai-extproc exactly as kgateway does: image CMD, default abstract socket', () => {
    const svc = obj(services['ai-extproc'], 'ai-extproc');
    assert.equal(svc.command, undefined, 'kgateway sets no command/args');
    assert.equal(svc.entrypoint, undefined);
    const env = svc.environment === undefined ? {} : obj(svc.environment, 'ai-extproc.environment');
    assert.equal(env.LISTEN_ADDR, undefined, 'LISTEN_ADDR stays the image default');
    const m = /LISTEN_ADDR=unix-abstract:([\w.-]+)/.exec(dockerfile);
    assert.ok(m, 'Dockerfile sets LISTEN_ADDR=unix-abstract:...');
    assert.equal(m[1], COMPOSE.socket);
    assert.ok(
      envoyCfg.includes(`pipe: { path: '@${COMPOSE.socket}' }`),
      'Envoy dials the same abstract socket',
    );
  });

  it('runs the mock provider from the demo image on the port the Envoy cluster targets', () => {
    const svc = obj(services['mock-provider'], 'mock-provider');
    const cmd = strList(svc.command, 'mock-provider.command');
    assert.deepEqual(cmd, [
      'node',
      'dist/mock-provider/main.js',
      '--host',
      '0.0.0.0',
      '--port',
      String(COMPOSE.upstreamPort),
    ]);
    assert.match(dockerfile, /^COPY --from=build \S+\/dist\/mock-provider /m, 'demo stage has the CLI');
    assert.match(
      dockerfile,
      /^COPY --from=build \S+\/mock-provider\/fixtures /m,
      'demo stage has the canned answers',
    );
    assert.ok(envoyCfg.includes(`address: ${COMPOSE.upstreamHost}, port_value: ${COMPOSE.upstreamPort} }`));
    assert.match(envoyCfg, /- name: mock_provider\n\s+type: STRICT_DNS\n/);
  });

  it('uses the Envoy version the Makefile pins and mounts envoy/compose/envoy.yaml where the command reads it', () => {
    const envoy = obj(services.envoy, 'envoy');
    const version = /^ENVOY_VERSION := (\S+)$/m.exec(
      fs.readFileSync(path.join(root, 'Makefile'), 'utf8'),
    )?.[1];
    assert.ok(version);
    assert.equal(envoy.image, `envoyproxy/envoy:v${version}`);
    const cmd = strList(envoy.command, 'envoy.command');
    const cfgInContainer = cmd[cmd.indexOf('-c') + 1];
    assert.ok(cmd.includes('-c') && cfgInContainer, 'envoy command passes -c');
    const mounts = strList(envoy.volumes, 'envoy.volumes').map((v) => v.split(':'));
    const mount = mounts.find((m) => m[1] === cfgInContainer);
    assert.ok(mount, `a volume mounts the file at ${cfgInContainer}`);
    assert.equal(path.resolve(composeDir, mount[0]!), composeEnvoyPath);
    assert.equal(mount[2], 'ro');
  });

  it('envoy/compose/envoy.yaml is the kgateway template rendered for compose (no drift, no placeholders)', () => {
    assert.ok(!envoyCfg.includes('{{'), 'no leftover {{PLACEHOLDERS}}');
    assert.equal(
      envoyCfg,
      renderComposeEnvoy(),
      'out of date: regenerate with UPDATE_COMPOSE_ENVOY=1 node_modules/.bin/node --test dist/test/unit/compose.test.js',
    );
  });

  it('envoy/compose/envoy.yaml passes `envoy --mode validate` (offline)', () => {
    // Envoy opens the access log (/dev/stdout) while validating. Node's stdio pipes are socketpairs, which
    // /dev/stdout cannot open (ENXIO), so stdout goes to a file, as it goes to a pipe under Docker.
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ai-extproc-validate-')), 'stdout');
    const fd = fs.openSync(out, 'w');
    let r;
    try {
      r = spawnSync(envoyBin(), ['--mode', 'validate', '-c', composeEnvoyPath, '-l', 'error'], {
        stdio: ['ignore', fd, 'pipe'],
        encoding: 'utf8',
        timeout: 30_000,
      });
    } finally {
      fs.closeSync(fd);
    }
    const stdout = fs.readFileSync(out, 'utf8');
    fs.rmSync(path.dirname(out), { recursive: true, force: true });
    assert.equal(r.status, 0, `envoy --mode validate failed:\n${stdout}\n${r.stderr}`);
    assert.match(stdout + r.stderr, /OK/);
  });
});
