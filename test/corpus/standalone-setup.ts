/** Standalone mode: the YAML config, secrets and script builder the standalone scenarios share. */
import { encodeConverseEvent } from '../../src/providers/bedrock/converse-stream-frames.js';
import { encodeEventStreamMessage } from '../../src/providers/bedrock/event-stream-encoder.js';
import type { Scenario, Step } from './types.js';
import type { Mode } from '../helpers/extproc-client.js';
import { STANDALONE_MODES, exchange, fixture, split } from './script.js';

export const SECRETS = {
  OPENAI_KEY: 'sk-gateway-openai',
  AZURE_KEY: 'azure-gateway-key',
  ANTHROPIC_KEY: 'sk-gateway-anthropic',
  GEMINI_KEY: 'gemini-gateway-key',
  GCP_TOKEN: 'ya29.gateway-token',
  AWS_ID: 'AKIDEXAMPLE',
  AWS_SECRET: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

export const SIGV4 = {
  region: 'us-east-1',
  accessKeyId: SECRETS.AWS_ID,
  secretAccessKey: SECRETS.AWS_SECRET,
};

/** Every provider once; guarded and strict routes selected by x-tenant, then the catch-alls by path. */
export const CONFIG = `version: 1
backends:
  openai: { provider: openai, cluster: openai, auth: { apiKey: { env: OPENAI_KEY } } }
  azure:
    provider: azure_openai
    baseUrl: https://res.openai.azure.com
    cluster: azure
    auth: { apiKey: { env: AZURE_KEY } }
  anthropic: { provider: anthropic, cluster: anthropic, auth: { apiKey: { env: ANTHROPIC_KEY } } }
  gemini: { provider: gemini, cluster: gemini, auth: { apiKey: { env: GEMINI_KEY } } }
  vertex:
    provider: vertex-ai
    cluster: vertex
    vertex: { project: proj-1, location: europe-west4 }
    auth: { bearer: { env: GCP_TOKEN } }
  mistral: { provider: mistral, cluster: mistral, auth: { passthrough: true } }
  ollama: { provider: ollama, cluster: ollama, auth: { none: true } }
  bedrock:
    provider: bedrock
    cluster: bedrock
    bedrock: { region: us-east-1 }
    auth: { aws: { accessKeyId: { env: AWS_ID }, secretAccessKey: { env: AWS_SECRET } } }
routes:
  - name: guarded
    match: { pathPrefix: /v1/chat/completions, headers: [{ name: x-tenant, value: guarded }] }
    models: { fast: { backend: openai, model: gpt-4o-mini } }
    policy:
      guards:
        request: { regex: { action: MASK, builtins: [CREDIT_CARD] } }
        response: { regex: { action: MASK, builtins: [CREDIT_CARD, EMAIL] } }
  - name: strict
    match: { pathPrefix: /v1/chat/completions, headers: [{ name: x-tenant, value: strict }] }
    models: { fast: { backend: openai, model: gpt-4o-mini } }
    policy:
      guards:
        request:
          customResponse: { message: blocked by policy, statusCode: 422 }
          regex: { action: REJECT, builtins: [SSN] }
  - name: openai-chat
    match: { pathPrefix: /v1/chat/completions }
    models:
      gpt: { backend: openai, model: gpt-4o-mini }
      azure: { backend: azure, model: gpt-4o-mini }
      claude: { backend: anthropic, model: claude-sonnet-4-5 }
      gemini: { backend: gemini, model: gemini-2.5-flash }
      vertex: { backend: vertex, model: gemini-2.5-pro }
      mistral: { backend: mistral, model: mistral-small-latest }
      ollama: { backend: ollama, model: 'qwen3:8b' }
      bedrock: { backend: bedrock, model: 'anthropic.claude-3-5-haiku-20241022-v1:0' }
    policy:
      promptEnrichment:
        prepend: [{ role: system, content: 'Answer in English.' }]
      defaults:
        - { field: temperature, value: 0.2 }
        - { field: max_tokens, value: 256, override: true }
  - name: anthropic-messages
    match: { pathPrefix: /v1/messages }
    models:
      claude-sonnet-4-5: { backend: anthropic }
      gpt: { backend: openai, model: gpt-4o-mini }
      bedrock: { backend: bedrock, model: 'anthropic.claude-3-5-haiku-20241022-v1:0' }
`;

/** A ConverseStream body: the events of a translation fixture as AWS event-stream frames. */
export function bedrockStream(rel: string): Buffer {
  const events = JSON.parse(fixture(rel).toString()) as { event: string; payload: unknown }[];
  return Buffer.concat(events.map((e) => encodeConverseEvent(e.event, e.payload)));
}

/** An InvokeModel stream body (Claude on Bedrock): each Anthropic SSE event of a fixture in a chunk frame. */
export function bedrockInvokeStream(rel: string): Buffer {
  const frames = fixture(rel)
    .toString()
    .split(/\r?\n\r?\n/)
    .map((block) =>
      block
        .split(/\r?\n/)
        .find((l) => l.startsWith('data:'))
        ?.slice(5)
        .trim(),
    )
    .filter((d): d is string => d !== undefined && d !== '')
    .map((data) =>
      encodeEventStreamMessage(
        { ':event-type': 'chunk', ':content-type': 'application/json', ':message-type': 'event' },
        JSON.stringify({ bytes: Buffer.from(data).toString('base64') }),
      ),
    );
  return Buffer.concat(frames);
}

export interface SaScript {
  readonly name: string;
  readonly description: string;
  readonly path?: string;
  readonly headers?: Record<string, string>;
  /** The request body (one BUFFERED message); undefined = no body. */
  readonly body?: string | object;
  readonly status?: number;
  readonly responseHeaders?: Record<string, string>;
  readonly response?: readonly (string | Buffer)[];
  readonly more?: Partial<Scenario>;
  /** Other body modes than envoy/standalone/envoy.yaml's, and the request in this many pieces. */
  readonly modes?: [Mode, Mode];
  readonly pieces?: number;
}

export function sa(x: SaScript): Scenario {
  const body =
    x.body === undefined ? undefined : typeof x.body === 'string' ? x.body : JSON.stringify(x.body);
  const steps: Step[] = exchange({
    modes: x.modes ?? STANDALONE_MODES,
    path: x.path ?? '/v1/chat/completions',
    headers: { authorization: 'Bearer sk-client-should-not-leak', 'accept-encoding': 'gzip', ...x.headers },
    request: body === undefined ? [] : split(body, x.pieces ?? 1),
    ...(x.status !== undefined ? { status: x.status } : {}),
    ...(x.responseHeaders ? { responseHeaders: x.responseHeaders } : {}),
    ...(x.response ? { response: x.response } : {}),
  });
  return {
    name: x.name,
    description: x.description,
    mode: 'standalone',
    config: CONFIG,
    secrets: SECRETS,
    steps,
    ...x.more,
  };
}
