/** `make demo` settings from the environment (ports, mode, socket) and the standalone config it runs. */
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../test/helpers/repo.js';
import { mcpGatewaySection } from './demo-mcp-gateway.js';

export const root = repoRoot();
const port = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
export const ENVOY_PORT = port('DEMO_PORT', 10000);
export const ADMIN_PORT = port('DEMO_ADMIN_PORT', 9901);
export const UPSTREAM_PORT = port('DEMO_UPSTREAM_PORT', 18080);
export const METRICS_PORT = port('DEMO_METRICS_PORT', 9092);
export const MCP_PORT = port('DEMO_MCP_PORT', 18081);
export const SOCKET = process.env.DEMO_SOCKET ?? `ai-extproc-demo-${process.pid}`;
export const smoke = process.argv.includes('--smoke');
export const MODE = process.env.DEMO_MODE === 'kgateway' ? 'kgateway' : 'standalone';
export const REAL = process.env.DEMO_REAL === '1';

/** The standalone config: the built-in demo config, or real providers with DEMO_REAL=1. */
export function standaloneConfig(): string {
  if (!REAL) {
    const text = fs.readFileSync(path.join(root, 'config/examples/standalone.yaml'), 'utf8');
    return (
      text
        .replaceAll('127.0.0.1:18080', `127.0.0.1:${UPSTREAM_PORT}`)
        .replaceAll('127.0.0.1:18081', `127.0.0.1:${MCP_PORT}`) + mcpGatewaySection(MCP_PORT)
    );
  }
  const openai = Boolean(process.env.OPENAI_API_KEY);
  const anthropic = Boolean(process.env.ANTHROPIC_API_KEY);
  if (!openai && !anthropic) throw new Error('DEMO_REAL=1 needs OPENAI_API_KEY or ANTHROPIC_API_KEY');
  const fallback = openai ? 'openai' : 'anthropic';
  return [
    'version: 1',
    'backends:',
    ...(openai
      ? [
          '  openai: { provider: openai, auth: { apiKey: { env: OPENAI_API_KEY } }, defaultModel: gpt-4o-mini }',
        ]
      : []),
    ...(anthropic
      ? [
          '  anthropic: { provider: anthropic, auth: { apiKey: { env: ANTHROPIC_API_KEY } }, defaultModel: claude-sonnet-4-5 }',
        ]
      : []),
    'routes:',
    '  - name: openai-chat',
    '    match: { pathPrefix: /v1/chat/completions }',
    '    models:',
    ...(anthropic ? ['      claude: { backend: anthropic, model: claude-sonnet-4-5 }'] : []),
    `      '*': { backend: ${fallback} }`,
    '  - name: anthropic-messages',
    '    match: { pathPrefix: /v1/messages }',
    '    models:',
    ...(openai ? ['      gpt: { backend: openai, model: gpt-4o-mini }'] : []),
    `      '*': { backend: ${anthropic ? 'anthropic' : 'openai'} }`,
    '',
  ].join('\n');
}
