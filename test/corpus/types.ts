/** The shape of a corpus scenario: the server's setup plus what a fake Envoy sends. */
import type { ProcessingRequest } from '../../src/server/generated/envoy/service/ext_proc/v3/ProcessingRequest.js';
import type { CustomLabel } from '../../src/config/otel-files.js';

/** Addresses of the loopback helpers a scenario asked for (known only once they listen). */
export interface ScenarioContext {
  readonly webhookPort: number;
  readonly moderationBaseUrl: string;
}

/**
 * One step of the script. `send` messages go out back to back (as Envoy streams them); then the
 * recorder waits for `expect` replies (default: one per message, none in observability mode). A
 * step stops early when an immediate_response arrives: Envoy ignores the stream after that.
 */
export type Step =
  | { readonly send: readonly ProcessingRequest[]; readonly expect?: number }
  /** The client (Envoy) resets the stream, as when the downstream client goes away. */
  | { readonly cancel: true };

export interface SigV4Check {
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface Scenario {
  /** File name under test/fixtures/corpus (kebab-case). */
  readonly name: string;
  readonly description: string;
  readonly mode: 'kgateway' | 'standalone';
  /** Extra server environment (startTestApp's defaults fill in the rest). */
  readonly env?: Readonly<Record<string, string>>;
  /** Standalone mode: the YAML config, written to a temp file for AI_EXTPROC_CONFIG. */
  readonly config?: string;
  /** Standalone mode: where {env: NAME} secrets come from. */
  readonly secrets?: Readonly<Record<string, string>>;
  /** kgateway mode: stats.json custom labels. */
  readonly customLabels?: readonly CustomLabel[];
  /** Start the webhook guard server and/or the OpenAI moderation mock on loopback. */
  readonly services?: { readonly webhook?: boolean; readonly moderation?: boolean };
  /** gRPC initial metadata (kgateway's grpc_initial_metadata). */
  readonly metadata?: (ctx: ScenarioContext) => Record<string, string>;
  readonly steps: readonly Step[];
  /** Standalone Bedrock: re-check the SigV4 signature on the request the gateway sent. */
  readonly sigv4?: SigV4Check;
  /**
   * How the call ends after the script: `server` (default) waits for the server to end it itself;
   * `half-close` ends Envoy's side and waits for the status; `none` after a client cancel.
   */
  readonly end?: 'server' | 'half-close' | 'none';
}
