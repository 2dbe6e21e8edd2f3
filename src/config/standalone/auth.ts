/**
 * Backend credentials. Secret values live only in the closures built here: the compiled config holds
 * functions and AuthInfo (sources, no values), so logging or JSON.stringify of it leaks nothing.
 */
import type { ProviderKind } from '../../providers/translate/types.js';
import type { LoadContext } from './context.js';
import { isObj } from '../../json.js';
import type { PathSegment } from './issues.js';
import { resolveSecret, secretSource } from './secrets.js';
import type { AuthInfo, AuthKind, AwsCredentials, UpstreamAuth } from './types.js';

const AUTH_KINDS: readonly AuthKind[] = ['apiKey', 'bearer', 'aws', 'passthrough', 'none'];

/** Client headers that carry an API key; passthrough auth takes the client's key from them. */
export const API_KEY_HEADERS: readonly string[] = Object.freeze([
  'authorization',
  'api-key',
  'x-api-key',
  'x-goog-api-key',
]);

/**
 * Client headers that never reach a backend whose credential the gateway holds (every auth kind but
 * passthrough): credentials, cookies and headers that pick an account, project or session on the
 * provider's side. Protocol headers clients need (`anthropic-version`, `anthropic-beta`,
 * `openai-beta`) are not among them and pass.
 */
export const CREDENTIAL_HEADERS: readonly string[] = Object.freeze([
  ...API_KEY_HEADERS,
  'proxy-authorization',
  'cookie',
  'ocp-apim-subscription-key',
  'openai-organization',
  'openai-project',
  'anthropic-organization',
  'x-goog-user-project',
  'x-amz-security-token',
]);

/** Any client header starting with one of these is removed too (AWS SigV4 signing and session headers). */
export const CREDENTIAL_HEADER_PREFIXES: readonly string[] = Object.freeze(['x-amz-']);

/** Passthrough auth keeps the client's own headers, except other API-key headers and the proxy's credential. */
const PASSTHROUGH_REMOVED: readonly string[] = Object.freeze([...API_KEY_HEADERS, 'proxy-authorization']);

/** The credential headers to remove from a request: the fixed list plus the client's prefixed ones. */
export function credentialHeadersOf(
  clientHeaders: ReadonlyMap<string, string>,
  fixed: readonly string[] = CREDENTIAL_HEADERS,
): readonly string[] {
  let out: string[] | undefined;
  for (const name of clientHeaders.keys()) {
    if (CREDENTIAL_HEADER_PREFIXES.some((p) => name.startsWith(p)) && !fixed.includes(name))
      (out ??= [...fixed]).push(name);
  }
  return out ?? fixed;
}

/** The header an API key goes in, per provider. */
export const API_KEY_HEADER: Readonly<Record<ProviderKind, string>> = Object.freeze({
  openai: 'authorization',
  azure_openai: 'api-key',
  anthropic: 'x-api-key',
  gemini: 'x-goog-api-key',
  'vertex-ai': 'authorization',
  mistral: 'authorization',
  ollama: 'authorization',
  bedrock: 'authorization',
});

export interface CompiledAuth {
  readonly info: AuthInfo;
  readonly authFor: (clientHeaders: ReadonlyMap<string, string>) => UpstreamAuth;
}

function problem(provider: ProviderKind, kind: AuthKind): string | undefined {
  if (provider === 'bedrock' && kind !== 'aws' && kind !== 'none')
    return 'bedrock requests are signed with SigV4: use aws: { accessKeyId, secretAccessKey } (or none: true for a mock)';
  if (provider !== 'bedrock' && kind === 'aws') return 'aws credentials apply only to provider bedrock';
  if (provider === 'vertex-ai' && kind === 'apiKey')
    return 'vertex-ai takes an OAuth access token: use bearer: { env: NAME } or { file: PATH }';
  return undefined;
}

const without = (list: readonly string[], keep: string): readonly string[] =>
  Object.freeze(list.filter((h) => h !== keep));

type GatewayAuth = Exclude<UpstreamAuth, { readonly kind: 'missing' }>;

function headerAuth(header: string, secret: string, remove: readonly string[]): GatewayAuth {
  const value = header === 'authorization' ? `Bearer ${secret}` : secret;
  return Object.freeze({
    kind: 'headers',
    set: Object.freeze([Object.freeze([header, value] as const)]),
    remove,
  });
}

/** The same auth for every request, minus whatever prefixed credential headers the client sent. */
function fixedAuth(auth: GatewayAuth): CompiledAuth['authFor'] {
  return (headers) => {
    const remove = credentialHeadersOf(headers, auth.remove);
    return remove === auth.remove ? auth : Object.freeze({ ...auth, remove });
  };
}

/** The client's credential: its value in the provider's header first, then any credential header. */
export function clientCredential(
  headers: ReadonlyMap<string, string>,
  preferred: string,
): string | undefined {
  for (const name of [preferred, ...API_KEY_HEADERS.filter((h) => h !== preferred)]) {
    const v = headers.get(name)?.trim();
    if (!v) continue;
    if (name !== 'authorization') return v;
    const m = /^bearer\s+(\S+)$/i.exec(v);
    if (m) return m[1];
  }
  return undefined;
}

export function compileAuth(
  provider: ProviderKind,
  raw: unknown,
  at: readonly PathSegment[],
  ctx: LoadContext,
  bedrockRegion: string | undefined,
): CompiledAuth | undefined {
  if (!isObj(raw)) return undefined;
  const kinds = AUTH_KINDS.filter((k) => raw[k] !== undefined);
  const kind = kinds[0];
  if (kind === undefined || kinds.length !== 1) return undefined; // the schema reports it
  const bad = problem(provider, kind);
  if (bad !== undefined) {
    ctx.issues.add([...at, kind], bad);
    return undefined;
  }
  const here = [...at, kind];
  switch (kind) {
    case 'apiKey':
    case 'bearer': {
      const secret = resolveSecret(raw[kind], here, ctx);
      if (secret === undefined) return undefined;
      const header = kind === 'bearer' ? 'authorization' : API_KEY_HEADER[provider];
      const result = headerAuth(header, secret, without(CREDENTIAL_HEADERS, header));
      return { info: info(kind, [secretSource(raw[kind], ctx.baseDir)]), authFor: fixedAuth(result) };
    }
    case 'aws': {
      const aws = raw.aws;
      if (!isObj(aws)) return undefined;
      const accessKeyId = resolveSecret(aws.accessKeyId, [...here, 'accessKeyId'], ctx);
      const secretAccessKey = resolveSecret(aws.secretAccessKey, [...here, 'secretAccessKey'], ctx);
      const sessionToken =
        aws.sessionToken === undefined
          ? undefined
          : resolveSecret(aws.sessionToken, [...here, 'sessionToken'], ctx);
      if (accessKeyId === undefined || secretAccessKey === undefined || bedrockRegion === undefined)
        return undefined;
      if (aws.sessionToken !== undefined && sessionToken === undefined) return undefined;
      const credentials: AwsCredentials = Object.freeze(
        sessionToken === undefined
          ? { accessKeyId, secretAccessKey }
          : { accessKeyId, secretAccessKey, sessionToken },
      );
      const result: GatewayAuth = Object.freeze({
        kind: 'sigv4',
        service: 'bedrock',
        region: bedrockRegion,
        credentials,
        remove: CREDENTIAL_HEADERS,
      });
      const sources = [aws.accessKeyId, aws.secretAccessKey, aws.sessionToken]
        .filter((r) => r !== undefined)
        .map((r) => secretSource(r, ctx.baseDir));
      return { info: info('aws', sources), authFor: fixedAuth(result) };
    }
    case 'passthrough': {
      const header = API_KEY_HEADER[provider];
      return {
        info: info('passthrough', []),
        authFor: (headers) => {
          const cred = clientCredential(headers, header);
          return cred === undefined
            ? {
                kind: 'missing',
                message: 'this route passes the client credential through, and the request has none',
              }
            : headerAuth(header, cred, without(PASSTHROUGH_REMOVED, header));
        },
      };
    }
    case 'none': {
      const result: GatewayAuth = Object.freeze({
        kind: 'headers',
        set: Object.freeze([]),
        remove: CREDENTIAL_HEADERS,
      });
      return { info: info('none', []), authFor: fixedAuth(result) };
    }
  }
}

function info(kind: AuthKind, sources: readonly (string | undefined)[]): AuthInfo {
  return Object.freeze({ kind, sources: Object.freeze(sources.filter((s): s is string => s !== undefined)) });
}
