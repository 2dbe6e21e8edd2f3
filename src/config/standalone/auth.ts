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

/** Client headers that carry credentials; none of them reaches the upstream unless set on purpose. */
export const CREDENTIAL_HEADERS: readonly string[] = Object.freeze([
  'authorization',
  'api-key',
  'x-api-key',
  'x-goog-api-key',
]);

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

const without = (keep: string): readonly string[] =>
  Object.freeze(CREDENTIAL_HEADERS.filter((h) => h !== keep));

function headerAuth(header: string, secret: string): UpstreamAuth {
  const value = header === 'authorization' ? `Bearer ${secret}` : secret;
  return Object.freeze({
    kind: 'headers',
    set: Object.freeze([Object.freeze([header, value] as const)]),
    remove: without(header),
  });
}

/** The client's credential: its value in the provider's header first, then any credential header. */
export function clientCredential(
  headers: ReadonlyMap<string, string>,
  preferred: string,
): string | undefined {
  for (const name of [preferred, ...CREDENTIAL_HEADERS.filter((h) => h !== preferred)]) {
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
      const result = headerAuth(kind === 'bearer' ? 'authorization' : API_KEY_HEADER[provider], secret);
      return { info: info(kind, [secretSource(raw[kind], ctx.baseDir)]), authFor: () => result };
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
      const result: UpstreamAuth = Object.freeze({
        kind: 'sigv4',
        service: 'bedrock',
        region: bedrockRegion,
        credentials,
        remove: CREDENTIAL_HEADERS,
      });
      const sources = [aws.accessKeyId, aws.secretAccessKey, aws.sessionToken]
        .filter((r) => r !== undefined)
        .map((r) => secretSource(r, ctx.baseDir));
      return { info: info('aws', sources), authFor: () => result };
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
            : headerAuth(header, cred);
        },
      };
    }
    case 'none': {
      const result: UpstreamAuth = Object.freeze({
        kind: 'headers',
        set: Object.freeze([]),
        remove: CREDENTIAL_HEADERS,
      });
      return { info: info('none', []), authFor: () => result };
    }
  }
}

function info(kind: AuthKind, sources: readonly (string | undefined)[]): AuthInfo {
  return Object.freeze({ kind, sources: Object.freeze(sources.filter((s): s is string => s !== undefined)) });
}
