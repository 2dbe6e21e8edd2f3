/**
 * OpenAI chat request → Bedrock Converse / ConverseStream request.
 *
 * Sent: messages, system, max_tokens | max_completion_tokens → maxTokens, temperature, top_p, stop →
 * stopSequences, tools, tool_choice, reasoning_effort | thinking and response_format (see
 * openai-to-bedrock.reasoning.ts), `cache_control` on content parts, tool messages and tools → cachePoint
 * blocks (at most 4, openai-to-bedrock.cache-points.ts). Consumed without effect on the body: model (the target's model is in
 * the path), stream and stream_options (the target decides; ConverseStream always reports usage).
 * Everything else is reported in `droppedParams`, except values that ask for the default behaviour
 * (`n: 1`, `logprobs: false`, `parallel_tool_calls: true`, `response_format: {type:'text'}`).
 */
import type { OpenAIChatRequest, TranslatedRequest, UpstreamTarget } from '../translate/types.js';
import type { ConverseInferenceConfig, ConverseRequest } from './converse-types.js';
import { asObj } from '../../json.js';
import { invalid } from './invalid-request.js';
import { openAIToBedrockMessages } from './openai-to-bedrock.messages.js';
import { openAIToBedrockTools } from './openai-to-bedrock.tools.js';
import { capCachePoints } from './openai-to-bedrock.cache-points.js';
import {
  isClaudeModel,
  openAIToBedrockOutputConfig,
  openAIToBedrockThinking,
} from './openai-to-bedrock.reasoning.js';

export const EVENT_STREAM_CONTENT_TYPE = 'application/vnd.amazon.eventstream';

const CONSUMED: ReadonlySet<string> = new Set([
  'model',
  'messages',
  'stream',
  'stream_options',
  'max_tokens',
  'max_completion_tokens',
  'temperature',
  'top_p',
  'stop',
  'tools',
  'tool_choice',
  'reasoning_effort',
  'thinking',
  'response_format',
  'top_k',
]);

export function bedrockPath(model: string, stream: boolean): string {
  return `/model/${encodeURIComponent(model)}/${stream ? 'converse-stream' : 'converse'}`;
}

export function openAIToBedrockRequest(req: OpenAIChatRequest, target: UpstreamTarget): TranslatedRequest {
  const inference = inferenceConfig(req);
  const reasoning = openAIToBedrockThinking(req, target.model, inference);
  const converted = openAIToBedrockMessages(req.messages, reasoning.thinking !== undefined);
  const tools = openAIToBedrockTools({
    tools: req.tools,
    toolChoice: req.tool_choice,
    historyToolNames: converted.historyToolNames,
    hasToolBlocks: converted.hasToolBlocks,
  });
  const body: ConverseRequest =
    converted.system.length > 0
      ? { system: converted.system, messages: converted.messages }
      : { messages: converted.messages };
  if (Object.keys(inference).length > 0) body.inferenceConfig = inference;
  if (tools.toolConfig !== undefined) body.toolConfig = tools.toolConfig;
  const extra: Record<string, unknown> = {};
  if (reasoning.thinking !== undefined) extra.thinking = reasoning.thinking;
  if (reasoning.effort !== undefined) extra.output_config = { effort: reasoning.effort };
  const formatDropped: string[] = [];
  // top_k is Claude's own field on Bedrock (refused while thinking); other models have none in Converse.
  const topK = optionalNumber(req.top_k, 'top_k');
  if (topK !== undefined) {
    if (isClaudeModel(target.model) && reasoning.thinking === undefined) extra.top_k = topK;
    else formatDropped.push('top_k');
  }
  if (Object.keys(extra).length > 0) body.additionalModelRequestFields = extra;
  const outputConfig = openAIToBedrockOutputConfig(req.response_format, (n) => formatDropped.push(n));
  if (outputConfig !== undefined) body.outputConfig = outputConfig;
  if (capCachePoints(body)) formatDropped.push('cache_control');
  return {
    body: Buffer.from(JSON.stringify(body), 'utf8'),
    path: bedrockPath(target.model, target.stream),
    headers: [
      ['content-type', 'application/json'],
      ['accept', target.stream ? EVENT_STREAM_CONTENT_TYPE : 'application/json'],
    ],
    droppedParams: [
      ...new Set([
        ...droppedParams(req),
        ...converted.dropped,
        ...reasoning.dropped,
        ...formatDropped,
        ...tools.dropped,
      ]),
    ],
  };
}

function inferenceConfig(req: OpenAIChatRequest): ConverseInferenceConfig {
  const cfg: ConverseInferenceConfig = {};
  const maxTokens = req.max_completion_tokens ?? req.max_tokens;
  if (maxTokens !== undefined && maxTokens !== null) {
    if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens) || maxTokens < 1) {
      throw invalid('max_tokens / max_completion_tokens must be a positive integer');
    }
    cfg.maxTokens = maxTokens;
  }
  const temperature = optionalNumber(req.temperature, 'temperature');
  if (temperature !== undefined) cfg.temperature = temperature;
  const topP = optionalNumber(req.top_p, 'top_p');
  if (topP !== undefined) cfg.topP = topP;
  const stop = stopSequences(req.stop);
  if (stop !== undefined) cfg.stopSequences = stop;
  return cfg;
}

function optionalNumber(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`${name} must be a number`);
  return v;
}

function stopSequences(v: unknown): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v.length > 0 ? v : undefined;
  throw invalid('stop must be a string or an array of strings');
}

function droppedParams(req: OpenAIChatRequest): string[] {
  const dropped: string[] = [];
  for (const [key, value] of Object.entries(req)) {
    if (CONSUMED.has(key) || value === undefined || value === null || isDefault(key, value)) continue;
    dropped.push(key);
  }
  return dropped;
}

function isDefault(key: string, value: unknown): boolean {
  switch (key) {
    case 'n':
      return value === 1;
    case 'logprobs':
      return value === false;
    case 'parallel_tool_calls':
      return value === true;
    case 'response_format':
      return asObj(value)?.type === 'text';
    default:
      return false;
  }
}
