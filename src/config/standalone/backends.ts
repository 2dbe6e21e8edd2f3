/** backends.<name> → CompiledBackend. */
import type { ProviderKind, UpstreamTarget } from '../../providers/translate/types.js';
import { compileAuth } from './auth.js';
import type { JsonObject } from '../../json.js';
import { asString, isObj } from '../../json.js';
import type { LoadContext } from './context.js';
import type { PathSegment } from './issues.js';
import { PROVIDERS } from './schema-primitives.js';
import type { BaseUrl, CompiledBackend, TargetSettings } from './types.js';
import { compilePool, poolBaseUrl } from './pools.js';
import type { CompiledPool } from './pools.js';

export const DEFAULT_AZURE_API_VERSION = '2024-10-21';
export const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';

/** Provider-specific blocks and the provider each belongs to. */
const BLOCK_OWNER: Readonly<Record<string, ProviderKind>> = {
  azure: 'azure_openai',
  vertex: 'vertex-ai',
  anthropic: 'anthropic',
  gemini: 'gemini',
  bedrock: 'bedrock',
  openai: 'openai',
};

function defaultBaseUrl(provider: ProviderKind, s: TargetSettings): string | undefined {
  switch (provider) {
    case 'openai':
      return 'https://api.openai.com';
    case 'anthropic':
      return 'https://api.anthropic.com';
    case 'gemini':
      return 'https://generativelanguage.googleapis.com';
    case 'mistral':
      return 'https://api.mistral.ai';
    case 'ollama':
      return 'http://localhost:11434';
    case 'vertex-ai':
      if (s.vertexLocation === undefined) return undefined;
      return s.vertexLocation === 'global'
        ? 'https://aiplatform.googleapis.com'
        : `https://${s.vertexLocation}-aiplatform.googleapis.com`;
    case 'bedrock':
      return s.bedrockRegion === undefined
        ? undefined
        : `https://bedrock-runtime.${s.bedrockRegion}.amazonaws.com`;
    case 'azure_openai':
      return undefined;
  }
}

export function parseBaseUrl(raw: string): BaseUrl | string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return 'is not a valid URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'must be an http or https URL';
  if (u.username !== '' || u.password !== '') return 'must not contain credentials';
  if (u.pathname !== '/' && u.pathname !== '') return 'must have no path: scheme://host[:port]';
  if (u.search !== '' || u.hash !== '') return 'must have no query or fragment';
  const scheme = u.protocol === 'https:' ? 'https' : 'http';
  const port = u.port === '' ? (scheme === 'https' ? 443 : 80) : Number(u.port);
  return Object.freeze({ scheme, host: u.hostname, port, authority: u.host, url: `${scheme}://${u.host}` });
}

function block(raw: JsonObject, key: string): JsonObject {
  const b = raw[key];
  return isObj(b) ? b : {};
}

function settingsFor(provider: ProviderKind, raw: JsonObject): TargetSettings {
  const s: { -readonly [K in keyof TargetSettings]: TargetSettings[K] } = {};
  const set = <K extends Exclude<keyof TargetSettings, 'openaiApi'>>(k: K, v: string | undefined): void => {
    if (v !== undefined) s[k] = v;
  };
  switch (provider) {
    case 'azure_openai':
      set('azureApiVersion', asString(block(raw, 'azure').apiVersion) ?? DEFAULT_AZURE_API_VERSION);
      break;
    case 'anthropic':
      set('anthropicVersion', asString(block(raw, 'anthropic').version) ?? DEFAULT_ANTHROPIC_VERSION);
      break;
    case 'gemini':
      set('apiVersion', asString(block(raw, 'gemini').apiVersion));
      break;
    case 'vertex-ai': {
      const v = block(raw, 'vertex');
      set('vertexProject', asString(v.project));
      set('vertexLocation', asString(v.location));
      set('apiVersion', asString(v.apiVersion));
      break;
    }
    case 'bedrock':
      set('bedrockRegion', asString(block(raw, 'bedrock').region));
      break;
    case 'openai':
      // A model OpenAI serves only on the Responses API.
      if (block(raw, 'openai').api === 'responses') s.openaiApi = 'responses';
      break;
    case 'mistral':
    case 'ollama':
      break;
  }
  return Object.freeze(s);
}

export function compileBackend(name: string, raw: unknown, ctx: LoadContext): CompiledBackend | undefined {
  const at: PathSegment[] = ['backends', name];
  if (!isObj(raw)) return undefined;
  const provider = PROVIDERS.find((p) => p === raw.provider);
  if (provider === undefined) return undefined; // the schema reports it
  for (const [key, owner] of Object.entries(BLOCK_OWNER)) {
    if (raw[key] !== undefined && owner !== provider)
      ctx.issues.add([...at, key], `applies only to provider ${owner}, and this backend is ${provider}`);
  }
  const settings = settingsFor(provider, raw);
  // A pool backend: model servers picked per request (src/picking/), spoken to as OpenAI.
  let pool: CompiledPool | undefined;
  if (raw.kind === 'pool') pool = compilePool(raw, at, ctx);
  else if (raw.pool !== undefined)
    ctx.issues.add([...at, 'pool'], 'only a backend of kind pool has a pool block');

  let baseUrl: BaseUrl | undefined;
  const rawUrl = pool
    ? poolBaseUrl(pool)
    : typeof raw.baseUrl === 'string'
      ? raw.baseUrl
      : defaultBaseUrl(provider, settings);
  if (rawUrl !== undefined) {
    const parsed = parseBaseUrl(rawUrl);
    if (typeof parsed === 'string') ctx.issues.add([...at, 'baseUrl'], parsed);
    else baseUrl = parsed;
  }
  const auth = compileAuth(provider, raw.auth, [...at, 'auth'], ctx, settings.bedrockRegion);
  if (baseUrl === undefined || auth === undefined) return undefined;

  const defaultModel = asString(raw.defaultModel);
  return Object.freeze({
    name,
    cluster: asString(raw.cluster) ?? name,
    provider,
    baseUrl,
    defaultModel,
    auth: auth.info,
    settings,
    target: (model: string, stream: boolean): UpstreamTarget => ({ provider, model, stream, ...settings }),
    authFor: auth.authFor,
    ...(pool ? { pool } : {}),
    ...(typeof raw.caFile === 'string' ? { caFile: raw.caFile } : {}),
  });
}
