/** OpenAI chat completion request → Anthropic Messages request (POST /v1/messages). */
import { jsonSchemaOf } from '../translate/response-schema.js';
import type { Json, OpenAIChatRequest, TranslatedRequest, UpstreamTarget } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import { capCacheControl } from './openai-to-anthropic.cache.js';
import type { DroppedParams } from './dropped.js';
import { openAIToAnthropicMessages } from './openai-to-anthropic.messages.js';
import { openAIToAnthropicToolChoice, openAIToAnthropicTools } from './openai-to-anthropic.tools.js';
import { asObj } from '../../json.js';
import {
  MIN_ANTHROPIC_BUDGET,
  claudeEffort,
  lastToolTurnUnsigned,
  prefersAdaptiveThinking,
  requestedThinking,
} from '../translate/reasoning.js';

export const ANTHROPIC_MESSAGES_PATH = '/v1/messages';
export const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';
/** Anthropic requires max_tokens; used when the client sets neither max_tokens nor max_completion_tokens. */
export const DEFAULT_MAX_TOKENS = 4096;
const ADAPTIVE_THINKING_ROOM = 16384;

/** Parameters the translation consumes (mapped, or meaningless for Anthropic without loss). */
const HANDLED = new Set([
  'model',
  'messages',
  'stream',
  'stream_options', // Anthropic streams always carry usage.
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'top_k',
  'stop',
  'user',
  'tools',
  'tool_choice',
  'parallel_tool_calls',
  'response_format',
  'reasoning_effort',
  'thinking',
]);

/** Values equal to OpenAI's defaults: sending them changes nothing, so dropping them is not reported. */
const DEFAULTS: Readonly<Record<string, unknown>> = {
  n: 1,
  logprobs: false,
  presence_penalty: 0,
  frequency_penalty: 0,
  store: false,
};

function bad(message: string): TranslationError {
  return new TranslationError(400, message);
}

function optionalNumber(req: Json, key: string): number | undefined {
  const v = req[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`${key} must be a number`);
  return v;
}

function maxTokensOf(req: Json): number | undefined {
  const v = optionalNumber(req, 'max_completion_tokens') ?? optionalNumber(req, 'max_tokens');
  if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw bad('max_tokens must be a positive integer');
  return v;
}

function stopSequences(stop: unknown): string[] | undefined {
  if (stop === undefined || stop === null) return undefined;
  if (typeof stop === 'string') return [stop];
  if (Array.isArray(stop) && stop.every((s) => typeof s === 'string')) return stop;
  throw bad('stop must be a string or an array of strings');
}

interface Thinking {
  readonly thinking: Json;
  /** output_config.effort, for adaptive thinking asked for with reasoning_effort. */
  readonly effort?: string;
}

/**
 * Anthropic `thinking` for the request, or undefined (off, or impossible and reported). A reasoning_effort
 * for a Claude model whose thinking is adaptive becomes adaptive thinking with that effort.
 */
function thinkingConfig(
  req: Json,
  model: string,
  maxTokens: number | undefined,
  dropped: DroppedParams,
): Thinking | undefined {
  const wanted = requestedThinking(req, (name) => dropped.add(name));
  if (wanted.kind === 'off') return undefined;
  // Anthropic rejects thinking with a forced tool choice, and a tool turn whose last assistant message lacks
  // its signed thinking: thinking is off for such a turn instead.
  const forced = req.tool_choice === 'required' || asObj(req.tool_choice)?.type === 'function';
  if (forced || (Array.isArray(req.messages) && lastToolTurnUnsigned(req.messages))) {
    dropped.add(wanted.field);
    return undefined;
  }
  if (wanted.kind === 'adaptive') {
    const effort = req.reasoning_effort;
    if (typeof effort !== 'string' || effort === 'none') return { thinking: { type: 'adaptive' } };
    return { thinking: { type: 'adaptive' }, effort: claudeEffort(effort, model) };
  }
  if (!wanted.exact && prefersAdaptiveThinking(model)) {
    return { thinking: { type: 'adaptive' }, effort: claudeEffort(req.reasoning_effort, model) };
  }
  // budget_tokens must be below max_tokens; the client's max_tokens is kept.
  const budget = maxTokens === undefined ? wanted.budget : Math.min(wanted.budget, maxTokens - 1);
  if (budget < MIN_ANTHROPIC_BUDGET || (wanted.exact && budget !== wanted.budget)) dropped.add(wanted.field);
  return budget < MIN_ANTHROPIC_BUDGET ? undefined : { thinking: { type: 'enabled', budget_tokens: budget } };
}

/** response_format → output_config.format (json_schema); json_object has no Anthropic form. */
function outputFormat(req: Json, dropped: DroppedParams): Json | undefined {
  const rf = asObj(req.response_format);
  if (rf === undefined || rf.type === 'text') return undefined;
  const schema = jsonSchemaOf(rf);
  if (rf.type === 'json_schema' && schema !== undefined) return { type: 'json_schema', schema };
  dropped.add('response_format');
  return undefined;
}

/** Sampling parameters; with extended thinking Anthropic rejects temperature ≠ 1, top_p < 0.95 and top_k. */
function sampling(req: Json, body: Json, thinking: boolean, dropped: DroppedParams): void {
  const temperature = optionalNumber(req, 'temperature');
  const topP = optionalNumber(req, 'top_p');
  const topK = optionalNumber(req, 'top_k');
  if (temperature !== undefined) {
    if (thinking && temperature !== 1) dropped.add('temperature');
    else body.temperature = temperature;
  }
  if (topP !== undefined) {
    if (thinking && topP < 0.95) dropped.add('top_p');
    else body.top_p = topP;
  }
  if (topK !== undefined) {
    if (thinking) dropped.add('top_k');
    else body.top_k = topK;
  }
}

function reportUnhandled(req: Json, dropped: DroppedParams): void {
  for (const [key, value] of Object.entries(req)) {
    if (HANDLED.has(key) || value === undefined || value === null) continue;
    if (Object.hasOwn(DEFAULTS, key) && DEFAULTS[key] === value) continue;
    dropped.add(key);
  }
}

/** Builds the Anthropic request body; `dropped` collects what it could not carry. */
export function anthropicRequestBody(
  req: OpenAIChatRequest,
  target: UpstreamTarget,
  dropped: DroppedParams,
): Json {
  if (!Array.isArray(req.messages)) throw bad('messages must be an array');
  reportUnhandled(req, dropped);
  const clientMax = maxTokensOf(req);
  const wanted = thinkingConfig(req, target.model, clientMax, dropped);
  const thinking = wanted?.thinking;
  const { system, messages } = openAIToAnthropicMessages(req.messages, dropped, thinking !== undefined);
  if (messages.length === 0) throw bad('messages must contain at least one user or assistant message');
  const budget = typeof thinking?.budget_tokens === 'number' ? thinking.budget_tokens : undefined;
  // Without the client's max_tokens, room for the answer plus the thinking (adaptive: as for effort high).
  const room = budget ?? (thinking?.type === 'adaptive' ? ADAPTIVE_THINKING_ROOM : 0);
  const body: Json = { model: target.model, max_tokens: clientMax ?? DEFAULT_MAX_TOKENS + room };
  if (system.length === 1 && system[0]?.cache_control === undefined) body.system = system[0]?.text;
  else if (system.length > 0) body.system = system;
  body.messages = messages;
  const stop = stopSequences(req.stop);
  // Anthropic refuses whitespace-only stop sequences (OpenAI takes "\n\n"): left out and reported.
  const usable = stop?.filter((s) => s.trim() !== '');
  if (usable !== undefined && usable.length < (stop?.length ?? 0)) dropped.add('stop');
  if (usable !== undefined && usable.length > 0) body.stop_sequences = usable;
  sampling(req, body, thinking !== undefined, dropped);
  if (typeof req.user === 'string' && req.user !== '') body.metadata = { user_id: req.user };
  else if (req.user !== undefined && req.user !== null && req.user !== '') dropped.add('user');
  const tools = openAIToAnthropicTools(req.tools, dropped);
  if (tools.length > 0) body.tools = tools;
  const toolChoice = openAIToAnthropicToolChoice(
    req.tool_choice,
    req.parallel_tool_calls,
    tools.length > 0,
    dropped,
  );
  if (toolChoice !== undefined) body.tool_choice = toolChoice;
  if (thinking !== undefined) body.thinking = thinking;
  const format = outputFormat(req, dropped);
  if (format !== undefined || wanted?.effort !== undefined) {
    body.output_config = {
      ...(format === undefined ? {} : { format }),
      ...(wanted?.effort === undefined ? {} : { effort: wanted.effort }),
    };
  }
  if (target.stream) body.stream = true;
  capCacheControl(body, dropped);
  return body;
}

/** OpenAI chat request → the upstream Anthropic request. Throws TranslationError(400) on invalid input. */
export function openAIToAnthropicRequest(req: OpenAIChatRequest, target: UpstreamTarget): TranslatedRequest {
  const dropped: DroppedParams = new Set();
  const body = anthropicRequestBody(req, target, dropped);
  return {
    body: Buffer.from(JSON.stringify(body), 'utf8'),
    path: ANTHROPIC_MESSAGES_PATH,
    headers: [
      ['content-type', 'application/json'],
      ['anthropic-version', target.anthropicVersion ?? DEFAULT_ANTHROPIC_VERSION],
    ],
    droppedParams: [...dropped],
  };
}
