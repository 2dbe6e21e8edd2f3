/**
 * envoy/docker-compose.yaml and its Envoy bootstrap (envoy/compose/envoy.yaml), checked without Docker:
 *
 *   - the compose file is parsed (strict YAML-subset parser below: js-yaml is not a direct dependency and there is
 *     no `docker compose` here) and its structure is checked against the Dockerfile, the Makefile and the Envoy
 *     config: three services, Envoy in ai-extproc's network namespace (the abstract socket is per namespace), the
 *     build targets exist, ports line up;
 *   - envoy/compose/envoy.yaml is the kgateway template (envoy/kgateway/envoy.yaml) with the placeholders filled in
 *     for compose. It is generated from the template: when the template changes, regenerate it with
 *       UPDATE_COMPOSE_ENVOY=1 node_modules/.bin/node --test dist/test/unit/compose.test.js
 *   - the real Envoy binary validates it (`--mode validate`: no DNS lookups, so `mock-provider` needs no resolver);
 *   - the stack is run as compose would run it, on the host: the mock provider with the compose command, ai-extproc
 *     with the image's CMD, Envoy with the compose config (ports, upstream host and socket name rewritten so it can
 *     run next to other tests), and one chat completion goes through it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../helpers/repo.js';
import { envoyBin, freePort, renderTemplate } from '../helpers/envoy.js';

const root = repoRoot();
const composeDir = path.join(root, 'envoy');
const composePath = path.join(composeDir, 'docker-compose.yaml');
const templatePath = path.join(root, 'envoy/kgateway/envoy.yaml');
const composeEnvoyPath = path.join(root, 'envoy/compose/envoy.yaml');

// ---------------------------------------------------------------------------------------------------------------
// A strict parser for the YAML subset the compose file uses: block mappings and sequences, plain / single- /
// double-quoted scalars, flow sequences of scalars and `#` comments. Anything else (anchors, tags, multi-line
// scalars, flow mappings, tabs) throws, so the file cannot silently drift into something this test misreads.

type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml };

interface Line {
  readonly no: number;
  readonly indent: number;
  readonly text: string;
}

function stripComment(raw: string): string {
  let quote: string | undefined;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || raw[i - 1] === ' ')) return raw.slice(0, i);
  }
  return raw;
}

function parseYamlSubset(text: string): Yaml {
  const lines: Line[] = [];
  text.split('\n').forEach((raw, i) => {
    if (raw.includes('\t')) throw new Error(`line ${i + 1}: tab character`);
    const body = stripComment(raw).trimEnd();
    if (body.trim() === '' || body === '---') return;
    const indent = body.length - body.trimStart().length;
    lines.push({ no: i + 1, indent, text: body.trimStart() });
  });
  let pos = 0;
  const fail = (line: Line | undefined, msg: string): never => {
    throw new Error(`line ${line?.no ?? 'EOF'}: ${msg}`);
  };

  const scalar = (raw: string, line: Line): Yaml => {
    const s = raw.trim();
    if (s.startsWith('"')) {
      if (!/^"(?:[^"\\]|\\.)*"$/.test(s)) fail(line, `bad double-quoted scalar ${s}`);
      return JSON.parse(s) as string;
    }
    if (s.startsWith("'")) {
      if (!/^'(?:[^']|'')*'$/.test(s)) fail(line, `bad single-quoted scalar ${s}`);
      return s.slice(1, -1).replace(/''/g, "'");
    }
    if (s.startsWith('[')) {
      if (!s.endsWith(']')) fail(line, `unterminated flow sequence ${s}`);
      const inner = s.slice(1, -1).trim();
      if (inner === '') return [];
      const items: string[] = [];
      let cur = '';
      let quote: string | undefined;
      for (let i = 0; i < inner.length; i++) {
        const c = inner[i]!;
        if (quote) {
          cur += c;
          if (c === '\\' && quote === '"') cur += inner[++i] ?? '';
          else if (c === quote) quote = undefined;
        } else if (c === '"' || c === "'") {
          quote = c;
          cur += c;
        } else if (c === ',') {
          items.push(cur);
          cur = '';
        } else if (c === '[' || c === '{') fail(line, 'nested flow collections are not supported');
        else cur += c;
      }
      items.push(cur);
      return items.map((item) => scalar(item, line));
    }
    if (/^[{&*!|>%@`]/.test(s)) fail(line, `unsupported YAML syntax: ${s}`);
    if (/: |:$/.test(s)) fail(line, `ambiguous plain scalar (quote it): ${s}`);
    if (s === 'true') return true;
    if (s === 'false') return false;
    if (s === 'null' || s === '~') return null;
    if (/^-?\d+$/.test(s)) return Number(s);
    return s;
  };

  const KEY = /^([A-Za-z0-9_.\/-]+|"[^"]*"|'[^']*'):(?: (.*))?$/;

  const block = (indent: number): Yaml => {
    const line = lines[pos];
    if (!line || line.indent !== indent) return fail(line, `expected a block at indent ${indent}`);
    return line.text === '-' || line.text.startsWith('- ') ? sequence(indent) : mapping(indent);
  };

  const valueAfter = (rest: string | undefined, line: Line, indent: number): Yaml => {
    if (rest !== undefined && rest.trim() !== '') return scalar(rest, line);
    const next = lines[pos];
    if (next && next.indent > indent) return block(next.indent);
    if (next && next.indent === indent && (next.text === '-' || next.text.startsWith('- ')))
      return sequence(indent);
    return null;
  };

  const mapping = (indent: number): Yaml => {
    const out: { [key: string]: Yaml } = {};
    for (;;) {
      const line = lines[pos];
      if (!line || line.indent < indent) return out;
      if (line.indent > indent) fail(line, 'unexpected indentation');
      if (line.text.startsWith('- ') || line.text === '-') return out;
      const m = KEY.exec(line.text);
      if (!m) return fail(line, `expected "key: value", got ${line.text}`);
      const key = scalar(m[1]!, line);
      if (typeof key !== 'string' && typeof key !== 'number') return fail(line, 'bad key');
      if (Object.hasOwn(out, String(key))) fail(line, `duplicate key ${key}`);
      pos++;
      out[String(key)] = valueAfter(m[2], line, indent);
    }
  };

  const sequence = (indent: number): Yaml => {
    const out: Yaml[] = [];
    for (;;) {
      const line = lines[pos];
      if (!line || line.indent < indent) return out;
      if (line.indent > indent) fail(line, 'unexpected indentation');
      if (!(line.text === '-' || line.text.startsWith('- '))) return out;
      const rest = line.text.slice(1).trimStart();
      if (rest === '') {
        pos++;
        const next = lines[pos];
        out.push(next && next.indent > indent ? block(next.indent) : null);
      } else if (KEY.test(rest)) {
        // "- key: value" opens a mapping whose keys sit two columns in.
        lines[pos] = { no: line.no, indent: indent + 2, text: rest };
        out.push(mapping(indent + 2));
      } else {
        pos++;
        out.push(scalar(rest, line));
      }
    }
  };

  if (lines.length === 0) return null;
  const doc = block(lines[0]!.indent);
  if (pos !== lines.length) fail(lines[pos], 'trailing content');
  return doc;
}

// ---------------------------------------------------------------------------------------------------------------
// envoy/compose/envoy.yaml = the kgateway template, rendered for compose.

const COMPOSE = {
  listenPort: 10000,
  adminPort: 9901,
  socket: 'kgateway-ai-sock',
  upstreamHost: 'mock-provider',
  upstreamPort: 18080,
} as const;

const COMPOSE_HEADER = `# GENERATED from envoy/kgateway/envoy.yaml by test/unit/compose.test.ts - do not edit by hand.
# Regenerate: npx tsc -p . && UPDATE_COMPOSE_ENVOY=1 node_modules/.bin/node --test dist/test/unit/compose.test.js
#
# The kgateway-style bootstrap for envoy/docker-compose.yaml. Differences from the template:
#   - listener on 0.0.0.0:${COMPOSE.listenPort} and admin on 0.0.0.0:${COMPOSE.adminPort} (published by the ai-extproc service,
#     whose network namespace Envoy shares);
#   - ext_proc on kgateway's abstract socket @${COMPOSE.socket} (the image's default LISTEN_ADDR);
#   - the upstream is the mock-provider service (STRICT_DNS ${COMPOSE.upstreamHost}:${COMPOSE.upstreamPort});
#   - the access log goes to /dev/stdout (docker compose logs envoy).
`;

/** Applies one textual edit that must match exactly once. */
function replaceOnce(text: string, from: string | RegExp, to: string): string {
  const hits =
    typeof from === 'string' ? text.split(from).length - 1 : (text.match(new RegExp(from, 'g')) ?? []).length;
  if (hits !== 1)
    throw new Error(
      `compose render: expected exactly one match for ${String(from)} in the template, found ${hits}`,
    );
  return text.replace(from, to);
}

function renderComposeEnvoy(): string {
  let text = renderTemplate(templatePath, {
    ADMIN_PORT: COMPOSE.adminPort,
    LISTEN_PORT: COMPOSE.listenPort,
    ACCESS_LOG: '/dev/stdout',
    EXTPROC_SOCKET: COMPOSE.socket,
    UPSTREAM_PORT: COMPOSE.upstreamPort,
  });
  // Drop the template's leading comment block (it describes how tests fill the placeholders).
  const lines = text.split('\n');
  const firstContent = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('#'));
  text = lines.slice(firstContent).join('\n');
  text = replaceOnce(
    text,
    `address: 127.0.0.1, port_value: ${COMPOSE.adminPort} }`,
    `address: 0.0.0.0, port_value: ${COMPOSE.adminPort} }`,
  );
  text = replaceOnce(
    text,
    `address: 127.0.0.1, port_value: ${COMPOSE.listenPort} }`,
    `address: 0.0.0.0, port_value: ${COMPOSE.listenPort} }`,
  );
  text = replaceOnce(
    text,
    /(- name: mock_provider\n\s+type: )STATIC\n/,
    `$1STRICT_DNS\n    dns_lookup_family: V4_ONLY\n`,
  );
  text = replaceOnce(
    text,
    `address: 127.0.0.1, port_value: ${COMPOSE.upstreamPort} }`,
    `address: ${COMPOSE.upstreamHost}, port_value: ${COMPOSE.upstreamPort} }`,
  );
  return COMPOSE_HEADER + text;
}

// ---------------------------------------------------------------------------------------------------------------
// helpers

type Obj = { [key: string]: Yaml };
const isObj = (v: Yaml | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
function obj(v: Yaml | undefined, what: string): Obj {
  assert.ok(isObj(v), `${what} must be a mapping`);
  return v;
}
function strList(v: Yaml | undefined, what: string): string[] {
  assert.ok(Array.isArray(v), `${what} must be a list`);
  return v.map((x) => {
    assert.equal(typeof x, 'string', `${what} must be a list of strings`);
    return x as string;
  });
}
/** `port`, `host:port` or `ip:host:port` published container port. */
function containerPort(spec: string): number {
  const parts = spec.split('/')[0]!.split(':');
  return Number(parts[parts.length - 1]);
}
/** Dockerfile stage names (FROM ... AS name). */
function dockerfileStages(dockerfile: string): string[] {
  return [...dockerfile.matchAll(/^FROM\s+(?:--\S+\s+)*\S+\s+AS\s+(\S+)\s*$/gim)].map((m) => m[1]!);
}

function waitForLine(proc: ChildProcess, pattern: RegExp, what: string, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`${what}: no ${String(pattern)} in ${timeoutMs} ms:\n${out}`)),
      timeoutMs,
    );
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        proc.stdout?.off('data', onData);
        resolve(m[0]);
      }
    };
    proc.stdout?.on('data', onData);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}) before printing ${String(pattern)}:\n${out}`));
    });
  });
}

async function waitForHttp(url: string, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > end) throw new Error(`${what}: ${url} not answering after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function stop(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const hard = setTimeout(() => proc.kill('SIGKILL'), 5000);
    proc.once('exit', () => {
      clearTimeout(hard);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

// ---------------------------------------------------------------------------------------------------------------

if (process.env.UPDATE_COMPOSE_ENVOY === '1') {
  fs.mkdirSync(path.dirname(composeEnvoyPath), { recursive: true });
  fs.writeFileSync(composeEnvoyPath, renderComposeEnvoy());
}

describe('YAML subset parser (used for the compose file)', () => {
  it('parses the constructs the compose file uses', () => {
    const doc = parseYamlSubset(
      [
        'a: 1 # comment',
        'b:',
        '  c: "x: y"',
        '  d: [\'p\', "q", r]',
        '  e:',
        '  - one',
        '  - k: v',
        '    l: w',
        'f: service:x',
        "g: 'it''s'",
        'h: true',
      ].join('\n'),
    );
    assert.deepEqual(doc, {
      a: 1,
      b: { c: 'x: y', d: ['p', 'q', 'r'], e: ['one', { k: 'v', l: 'w' }] },
      f: 'service:x',
      g: "it's",
      h: true,
    });
  });
  it('rejects what it does not understand', () => {
    assert.throws(() => parseYamlSubset('a: &x 1'), /unsupported/);
    assert.throws(() => parseYamlSubset('a: { b: 1 }'), /unsupported/);
    assert.throws(() => parseYamlSubset('a: 1\na: 2'), /duplicate/);
    assert.throws(() => parseYamlSubset('a:\n\tb: 1'), /tab/);
    assert.throws(() => parseYamlSubset('a: |\n  text'), /unsupported/);
  });
});

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
