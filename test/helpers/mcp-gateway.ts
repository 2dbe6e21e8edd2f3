/** The MCP gateway test configs (test/fixtures/mcp/gateway*.yaml) over fixture servers. */
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './repo.js';

export const GATEWAY_SECRETS = {
  ALICE_KEY: 'vk-alice',
  BOB_KEY: 'vk-bob',
  ALPHA_TOKEN: 'alpha-secret',
  BETA_KEY: 'beta-secret',
  SESSION_KEY: 'a-session-key-of-at-least-32-characters!',
};

/** {{UPSTREAM}} is left for the stack to fill (a dead port when there is none). */
export function gatewayConfig(a: number, b: number): string {
  return fs
    .readFileSync(path.join(repoRoot(), 'test/fixtures/mcp/gateway.yaml'), 'utf8')
    .replaceAll('{{MCP_A}}', `127.0.0.1:${a}`)
    .replaceAll('{{MCP_B}}', `127.0.0.1:${b}`);
}

/** Sessions and relays: `fresh` a 2026-07-28 server, `old` a 2025-only one. */
export function sessionsConfig(fresh: number, old: number): string {
  return fs
    .readFileSync(path.join(repoRoot(), 'test/fixtures/mcp/gateway-sessions.yaml'), 'utf8')
    .replaceAll('{{MCP_NEW}}', `127.0.0.1:${fresh}`)
    .replaceAll('{{MCP_OLD}}', `127.0.0.1:${old}`);
}

/** Resource subscriptions: `fresh` (2026-07-28) and `old` (2025) support them, `plain` (2025) does not. */
export function subscriptionsConfig(fresh: number, old: number, plain: number): string {
  return fs
    .readFileSync(path.join(repoRoot(), 'test/fixtures/mcp/gateway-subscriptions.yaml'), 'utf8')
    .replaceAll('{{MCP_NEW}}', `127.0.0.1:${fresh}`)
    .replaceAll('{{MCP_OLD}}', `127.0.0.1:${old}`)
    .replaceAll('{{MCP_PLAIN}}', `127.0.0.1:${plain}`);
}
