export { WebhookGuardClient } from './client.js';
export { compileFullMatchRegex, compileHeaderMatches, selectForwardHeaders } from './headers.js';
export type { CompiledHeaderMatch } from './headers.js';
export { parseRequestReply, parseResponseReply } from './parse.js';
export { DEFAULT_WEBHOOK_REJECT_BODY, DEFAULT_WEBHOOK_TIMEOUT_MS, WebhookError } from './types.js';
export type {
  WebhookCallOptions,
  WebhookErrorKind,
  WebhookMessage,
  WebhookRequestVerdict,
  WebhookResponseVerdict,
} from './types.js';
