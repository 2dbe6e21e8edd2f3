/** Shared fixtures for the compose tests: paths, the compose rendering of the kgateway Envoy template, helpers. */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../helpers/repo.js';
import { renderTemplate } from '../helpers/envoy.js';
import type { Yaml } from './compose-yaml.js';

export const root = repoRoot();
export const composeDir = path.join(root, 'envoy');
export const composePath = path.join(composeDir, 'docker-compose.yaml');
export const templatePath = path.join(root, 'envoy/kgateway/envoy.yaml');
export const composeEnvoyPath = path.join(root, 'envoy/compose/envoy.yaml');

// ---------------------------------------------------------------------------------------------------------------
// envoy/compose/envoy.yaml = the kgateway template, rendered for compose.

export const COMPOSE = {
  listenPort: 10000,
  adminPort: 9901,
  socket: 'kgateway-ai-sock',
  upstreamHost: 'mock-provider',
  upstreamPort: 18080,
} as const;

export const COMPOSE_HEADER = `# GENERATED from envoy/kgateway/envoy.yaml by test/unit/compose.test.ts - do not edit by hand.
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
export function replaceOnce(text: string, from: string | RegExp, to: string): string {
  const hits =
    typeof from === 'string' ? text.split(from).length - 1 : (text.match(new RegExp(from, 'g')) ?? []).length;
  if (hits !== 1)
    throw new Error(
      `compose render: expected exactly one match for ${String(from)} in the template, found ${hits}`,
    );
  return text.replace(from, to);
}

export function renderComposeEnvoy(): string {
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

export type Obj = { [key: string]: Yaml };
export const isObj = (v: Yaml | undefined): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
export function obj(v: Yaml | undefined, what: string): Obj {
  assert.ok(isObj(v), `${what} must be a mapping`);
  return v;
}
export function strList(v: Yaml | undefined, what: string): string[] {
  assert.ok(Array.isArray(v), `${what} must be a list`);
  return v.map((x) => {
    assert.equal(typeof x, 'string', `${what} must be a list of strings`);
    return x as string;
  });
}
/** `port`, `host:port` or `ip:host:port` published container port. */
export function containerPort(spec: string): number {
  const parts = spec.split('/')[0]!.split(':');
  return Number(parts[parts.length - 1]);
}
/** Dockerfile stage names (FROM ... AS name). */
export function dockerfileStages(dockerfile: string): string[] {
  return [...dockerfile.matchAll(/^FROM\s+(?:--\S+\s+)*\S+\s+AS\s+(\S+)\s*$/gim)].map((m) => m[1]!);
}

export function waitForLine(
  proc: ChildProcess,
  pattern: RegExp,
  what: string,
  timeoutMs = 20_000,
): Promise<string> {
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

export async function waitForHttp(url: string, what: string, timeoutMs = 20_000): Promise<void> {
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

export function stop(proc: ChildProcess | undefined): Promise<void> {
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
