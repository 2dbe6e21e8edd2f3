/**
 * Provider translation contract (standalone mode). Pure code: plain data in, plain data out.
 *
 * The canonical form is OpenAI Chat Completions: a client request in Anthropic Messages format is
 * first turned into an OpenAI chat request, and every upstream provider translates from and to
 * OpenAI. Each direction has its own named module (`<from>-to-<to>.<what>.ts`, see ../README.md).
 * Same-API pairs (anthropic→anthropic, openai→openai/azure) are not translated (native.ts).
 */
import type { JsonObject } from '../../json.js';

export type ClientApi = 'openai' | 'anthropic' | 'openai-responses' | 'gemini';
export type ProviderKind =
  'openai' | 'azure_openai' | 'anthropic' | 'gemini' | 'vertex-ai' | 'mistral' | 'ollama' | 'bedrock';

/** Plain JSON object. */
export type Json = JsonObject;

/** OpenAI chat completion request, as loosely typed as clients send it. */
export type OpenAIChatRequest = Json & {
  model?: string;
  messages?: unknown[];
  stream?: boolean;
};
/** OpenAI chat.completion object. */
export type OpenAIChatCompletion = Json;
/** OpenAI chat.completion.chunk object. */
export type OpenAIChatChunk = Json;

/** Where and how to call the upstream; produced by routing from the backend config. */
export interface UpstreamTarget {
  readonly provider: ProviderKind;
  /** Provider model id (after alias mapping). For Azure, the deployment name. */
  readonly model: string;
  readonly stream: boolean;
  /** Azure: api-version query value. Vertex: project and location. Bedrock: region. */
  readonly azureApiVersion?: string;
  readonly vertexProject?: string;
  readonly vertexLocation?: string;
  readonly bedrockRegion?: string;
  /** Anthropic: the anthropic-version header value (default 2023-06-01). */
  readonly anthropicVersion?: string;
  /** Gemini/Vertex API version path segment (default v1beta for Gemini, v1 for Vertex). */
  readonly apiVersion?: string;
  /** OpenAI: the model is served only on the Responses API (/v1/responses). */
  readonly openaiApi?: 'responses';
}

export interface TranslatedRequest {
  /** The upstream request body. */
  readonly body: Buffer;
  /** Upstream :path including any query string (no auth in it: auth is added by the caller). */
  readonly path: string;
  /** Extra upstream headers the API needs besides auth (content-type, anthropic-version, accept…). */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Client parameters the upstream cannot take; dropped and reported, never silently. */
  readonly droppedParams: readonly string[];
}

/** A client-visible error: status plus a message; rendered in the client's API format by the caller. */
export class TranslationError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string = 'invalid_request_error',
  ) {
    super(message);
  }
}

/** OpenAI-format error object, the canonical error. */
export interface CanonicalError {
  readonly status: number;
  readonly message: string;
  /** OpenAI error.type, e.g. invalid_request_error, rate_limit_error, api_error, authentication_error. */
  readonly type: string;
  readonly code?: string | null;
}

/** Translates one upstream provider from and to the canonical OpenAI form. */
export interface ProviderAdapter {
  readonly provider: ProviderKind;
  /** OpenAI chat request → provider request. Throws TranslationError (400) for invalid input. */
  request(req: OpenAIChatRequest, target: UpstreamTarget): TranslatedRequest;
  /** Provider non-streaming success body (already decompressed) → OpenAI chat.completion. */
  response(body: Json, target: UpstreamTarget): OpenAIChatCompletion;
  /** Provider error status + body (may be non-JSON) → canonical error. */
  error(status: number, body: Buffer): CanonicalError;
  /** A new incremental stream decoder: provider stream bytes → OpenAI chunks. */
  stream(target: UpstreamTarget): ProviderStreamDecoder;
}

export interface ProviderStreamDecoder {
  /** Feed raw upstream body bytes (SSE or AWS event-stream), split anywhere. */
  push(bytes: Uint8Array): OpenAIChatChunk[];
  /** Upstream ended: flush. */
  end(): OpenAIChatChunk[];
}

/** Turns canonical OpenAI output into the client's API format. */
export interface ClientAdapter {
  readonly api: ClientApi;
  /** Client request body → canonical OpenAI chat request. Throws TranslationError (400). */
  request(body: Json): OpenAIChatRequest;
  response(completion: OpenAIChatCompletion): Json;
  error(err: CanonicalError): Json;
  /** A new stream encoder: OpenAI chunks → client SSE text (may be empty). */
  stream(): ClientStreamEncoder;
  /** The stream's content-type when it is not SSE (Gemini's JSON-array streaming). */
  readonly streamContentType?: string;
  /** The client fields the canonical form cannot carry (x-ai-extproc-dropped-params); never throws. */
  droppedParams?(body: Json): string[];
  /**
   * An adapter for this request when the answer's rendering depends on the request (a Responses
   * client's custom tools); undefined: this one serves.
   */
  forRequest?(body: Json): ClientAdapter | undefined;
  /** The model and stream flag when the path names them, not the body (Gemini-native clients). */
  readonly pathModel?: { readonly model: string; readonly stream: boolean };
}

export interface ClientStreamEncoder {
  push(chunks: readonly OpenAIChatChunk[]): string;
  /** The stream ended (after the last chunk): trailing events such as [DONE] or message_stop. */
  end(): string;
}
