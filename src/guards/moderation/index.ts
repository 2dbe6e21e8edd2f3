export {
  DEFAULT_MODERATION_MODEL,
  DEFAULT_MODERATION_TIMEOUT_MS,
  DEFAULT_OPENAI_BASE_URL,
  ModerationClient,
  ModerationError,
  moderationToken,
} from './client.js';
export type {
  ModerationCheckOptions,
  ModerationClientOptions,
  ModerationErrorKind,
  ModerationVerdict,
} from './client.js';
