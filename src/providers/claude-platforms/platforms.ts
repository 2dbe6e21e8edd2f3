/**
 * Claude served by a cloud platform in Anthropic's own Messages format: Vertex AI (`rawPredict` /
 * `streamRawPredict` under `publishers/anthropic`) and Bedrock InvokeModel (`invoke` /
 * `invoke-with-response-stream`). The body is an Anthropic Messages request with the platform's
 * `anthropic_version` in it and no `model` (the model is in the path); Bedrock also takes no
 * `stream` (the path decides) and takes the `anthropic-beta` header's values as `anthropic_beta`. Answers are Anthropic messages and Anthropic stream events (Bedrock
 * wraps each event in an event-stream frame: ./bedrock-invoke-stream.ts).
 *
 * So an Anthropic client stays Anthropic-native there (lossless), and an OpenAI client reaches
 * Claude on Vertex through the Anthropic translation (./vertex-claude.provider.ts).
 */
import type { Json, UpstreamTarget } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import { DEFAULT_VERTEX_API_VERSION } from '../gemini/paths.js';

export const VERTEX_ANTHROPIC_VERSION = 'vertex-2023-10-16';
export const BEDROCK_ANTHROPIC_VERSION = 'bedrock-2023-05-31';
export const BEDROCK_EVENT_STREAM = 'application/vnd.amazon.eventstream';

export type ClaudePlatform = 'vertex' | 'bedrock';

/**
 * Vertex model ids of Anthropic's publisher are `claude-…` (`claude-sonnet-4-5@20250929`), or
 * written with the publisher (`publishers/anthropic/models/claude-…`); Bedrock's are
 * `anthropic.claude-…`, with a cross-region prefix (`us.anthropic.claude-…`) or as an ARN.
 */
const VERTEX_CLAUDE = /^(publishers\/anthropic\/models\/|anthropic\/)?claude-/i;
const BEDROCK_CLAUDE = /(^|[./])anthropic\.claude-/i;

/** Which platform serves `target` as Claude in the Messages format, if any. */
export function claudePlatform(
  target: Pick<UpstreamTarget, 'provider' | 'model'>,
): ClaudePlatform | undefined {
  if (target.provider === 'vertex-ai' && VERTEX_CLAUDE.test(target.model)) return 'vertex';
  if (target.provider === 'bedrock' && BEDROCK_CLAUDE.test(target.model)) return 'bedrock';
  return undefined;
}

function vertexModel(model: string): string {
  const id = model.replace(/^(publishers\/anthropic\/models\/|anthropic\/)/i, '');
  return encodeURIComponent(id).replace(/%40/g, '@');
}

/** The upstream :path of a Messages request to Claude on `platform`. */
export function claudePlatformPath(platform: ClaudePlatform, target: UpstreamTarget): string {
  if (platform === 'bedrock')
    return `/model/${encodeURIComponent(target.model)}/${target.stream ? 'invoke-with-response-stream' : 'invoke'}`;
  const { vertexProject: project, vertexLocation: location } = target;
  if (project === undefined || project === '' || location === undefined || location === '')
    throw new TranslationError(
      500,
      'backend misconfigured: Vertex AI needs a project and a location',
      'api_error',
    );
  const version = target.apiVersion ?? DEFAULT_VERTEX_API_VERSION;
  return (
    `/${version}/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}` +
    `/publishers/anthropic/models/${vertexModel(target.model)}:${target.stream ? 'streamRawPredict' : 'rawPredict'}`
  );
}

/** The protocol headers of such a request (auth is the caller's). */
export function claudePlatformHeaders(
  platform: ClaudePlatform,
  target: UpstreamTarget,
): ReadonlyArray<readonly [string, string]> {
  if (platform === 'vertex') return [['content-type', 'application/json']];
  return [
    ['content-type', 'application/json'],
    ['accept', target.stream ? BEDROCK_EVENT_STREAM : 'application/json'],
  ];
}

/**
 * An Anthropic Messages body as the platform takes it, edited in place: `model` goes (it is in the
 * path), the platform's `anthropic_version` comes in (a client's own value is kept), Bedrock loses
 * `stream`. Every other field stays as the client wrote it.
 */
export function toClaudePlatformBody(
  platform: ClaudePlatform,
  body: Json,
  stream: boolean,
  betaHeader?: string,
): void {
  delete body.model;
  if (typeof body.anthropic_version !== 'string')
    body.anthropic_version = platform === 'vertex' ? VERTEX_ANTHROPIC_VERSION : BEDROCK_ANTHROPIC_VERSION;
  if (platform === 'vertex') {
    if (stream) body.stream = true;
    return;
  }
  delete body.stream;
  // Bedrock takes the client's `anthropic-beta` header as the body's `anthropic_beta` list.
  const betas = (betaHeader ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '')
    .slice(0, MAX_BETAS);
  if (betas.length > 0 && body.anthropic_beta === undefined) body.anthropic_beta = betas;
}

const MAX_BETAS = 32;
