/**
 * agentgateway's names for client APIs and upstream targets, mapped to our adapters, and the
 * in-process run of one case through the same adapter functions the gateway uses (registry.ts):
 * client adapter → canonical → provider adapter for requests; provider adapter → client adapter
 * for responses. Same-API pairs go untranslated, as the gateway's native codec sends them.
 */
import { clientAdapter, providerAdapterFor } from '../../src/providers/translate/registry.js';
import { speaksNatively } from '../../src/providers/translate/native.js';
import type { ClientAdapter, ClientApi, UpstreamTarget } from '../../src/providers/translate/types.js';
import { isObj } from '../../src/json.js';
import type { JsonObject } from '../../src/json.js';

const GEMINI_MODEL = 'gemini-2.5-flash';

/** Their client-API folder names (requests/<client>, response suffix `-<client>`). */
const CLIENTS: Readonly<Record<string, ClientApi>> = {
  completions: 'openai',
  messages: 'anthropic',
  responses: 'openai-responses',
  gemini: 'gemini',
};

/** Their targets we serve; each is a function of the request model. */
const TARGETS: Readonly<Record<string, (model: string) => UpstreamTarget>> = {
  anthropic: (model) => ({ provider: 'anthropic', model, stream: false }),
  messages: (model) => ({ provider: 'anthropic', model, stream: false }),
  bedrock: (model) => ({ provider: 'bedrock', model, stream: false, bedrockRegion: 'us-east-1' }),
  // Gemini on Vertex: their inputs name Claude models, which we would send to Claude on Vertex.
  'vertex-gemini': () => ({
    provider: 'vertex-ai',
    model: GEMINI_MODEL,
    stream: false,
    vertexProject: 'p',
    vertexLocation: 'us-central1',
  }),
  completions: (model) => ({ provider: 'openai', model, stream: false }),
  responses: (model) => ({ provider: 'openai', model, stream: false, openaiApi: 'responses' }),
  'gemini-native': () => ({ provider: 'gemini', model: GEMINI_MODEL, stream: false }),
};

/** Targets we deliberately do not serve, and why (shown in the report). */
export const NOT_SERVED: Readonly<Record<string, string>> = {
  gemini: 'Gemini through its OpenAI-compatible endpoint; we call Gemini natively (generateContent)',
  detect: "agentgateway's format auto-detection; we pick the client API from the path",
  guardrails: "agentgateway's guardrail hook, not a translation",
};

export const clientApi = (name: string): ClientApi | undefined => CLIENTS[name];

/** Our upstream for their target name, or undefined when we do not serve it. */
export function upstreamFor(target: string, model: string, stream: boolean): UpstreamTarget | undefined {
  const t = TARGETS[target];
  return t ? { ...t(model), stream } : undefined;
}

/** What we would send upstream: the body, and the path (the provider rules key on it). */
export interface OurRequest {
  readonly body: JsonObject;
  readonly path: string;
  readonly target: UpstreamTarget;
  readonly native: boolean;
}

/** The model a client request names (Gemini-native clients name it in the path: a fixed one here). */
function requestModel(api: ClientApi, input: JsonObject): string {
  if (api === 'gemini') return GEMINI_MODEL;
  return typeof input.model === 'string' ? input.model : 'm';
}

/** Runs one request case through our adapters. Throws the adapter's TranslationError as is. */
export function ourRequest(api: ClientApi, targetName: string, input: JsonObject): OurRequest | undefined {
  const stream = input.stream === true;
  const target = upstreamFor(targetName, requestModel(api, input), stream);
  if (!target) return undefined;
  // A Responses body goes native only for server-side state; these cases are stateless.
  if (speaksNatively(target, api) && api !== 'openai-responses')
    return { body: structuredClone(input), path: nativePath(target), target, native: true };
  const canonical = clientAdapter(api).request(structuredClone(input));
  const t = providerAdapterFor(target).request(canonical, target);
  const body = JSON.parse(t.body.toString()) as unknown;
  return { body: isObj(body) ? body : {}, path: t.path, target, native: false };
}

function nativePath(target: UpstreamTarget): string {
  if (target.provider === 'anthropic') return '/v1/messages';
  if (target.provider === 'gemini') return `/v1beta/models/${target.model}:generateContent`;
  return '/v1/chat/completions';
}

/** Their response-side provider folder → our provider (by case: Mistral's dialect has its own). */
export function responseTarget(group: string, caseName: string): UpstreamTarget | undefined {
  const model = 'input-model';
  switch (group) {
    case 'anthropic':
      return { provider: 'anthropic', model, stream: false };
    case 'bedrock':
      return { provider: 'bedrock', model, stream: false, bedrockRegion: 'us-east-1' };
    case 'completions':
      return { provider: /mistral/.test(caseName) ? 'mistral' : 'openai', model, stream: false };
    case 'responses':
      return { provider: 'openai', model, stream: false, openaiApi: 'responses' };
    default:
      return undefined;
  }
}

const LONG_NAMESPACE = `mcp.${'long_namespace_'.repeat(8)}`;
const fn = (name: string): JsonObject => ({ type: 'function', name });
const namespace = (name: string, ...tools: string[]): JsonObject => ({
  type: 'namespace',
  name,
  tools: tools.map(fn),
});

/**
 * The tools of the Responses request their test translates an answer for, where the answer's
 * rendering depends on them (custom and namespace tools): those of their request fixtures
 * (requests/responses/custom-tool.json, namespace-tools*.json), by `<group>/<case>`.
 */
const REQUEST_TOOLS: Readonly<Record<string, readonly JsonObject[]>> = {
  'anthropic/custom_tool': [{ type: 'custom', name: 'python' }],
  'anthropic/stream_custom_tool': [{ type: 'custom', name: 'python' }],
  'responses/custom-tool': [{ type: 'custom', name: 'exec' }],
  'responses/stream-custom-tool': [{ type: 'custom', name: 'exec' }],
  'anthropic/namespace_tool': [namespace('multi_agent_v1', 'spawn_agent')],
  'anthropic/stream_namespace_tool': [namespace('multi_agent_v1', 'spawn_agent')],
  'bedrock/namespace-tools': [namespace('mcp__node_repl', 'js'), namespace('other_kernel', 'js')],
  'completions/namespace-tools': [namespace('mcp__node_repl', 'js'), namespace('other_kernel', 'js')],
  'bedrock/namespace-tools-long': [namespace(LONG_NAMESPACE, 'js')],
};

/** The client adapter for a case: made for its request when the rendering depends on it. */
export function clientFor(api: ClientApi, group: string, caseName: string): ClientAdapter {
  const base = clientAdapter(api);
  const tools = REQUEST_TOOLS[`${group}/${caseName}`];
  return (tools && base.forRequest?.({ model: 'input-model', input: 'x', tools: [...tools] })) ?? base;
}

/** Runs a recorded provider response through our provider and client adapters. */
export function ourResponse(
  group: string,
  caseName: string,
  api: ClientApi,
  body: JsonObject,
): JsonObject | undefined {
  const target = responseTarget(group, caseName);
  if (!target) return undefined;
  if (speaksNatively(target, api) && api !== 'openai-responses') return structuredClone(body);
  const completion = providerAdapterFor(target).response(structuredClone(body), target);
  return clientFor(api, group, caseName).response(completion);
}

export const servesResponseGroup = (group: string): boolean => responseTarget(group, '') !== undefined;
