/** Anthropic Messages request (client) → OpenAI chat completion request (canonical). */
import type { Json, OpenAIChatRequest } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import { anthropicToOpenAIMessages, systemMessages } from './anthropic-to-openai.messages.js';
import { withCacheControl } from './anthropic-to-openai.content.js';
import type { DroppedParams } from './dropped.js';
import { asArray, asObj, asString } from '../../json.js';
import { effortForBudget } from '../translate/reasoning.js';

/** Top-level fields the conversion consumes. Anything else is reported as dropped. */
const HANDLED = new Set([
  'model',
  'messages',
  'system',
  'max_tokens',
  'stop_sequences',
  'temperature',
  'top_p',
  'top_k',
  'stream',
  'metadata',
  'tools',
  'tool_choice',
  'thinking',
  'output_config',
]);

function bad(where: string, message: string): TranslationError {
  return new TranslationError(400, `${where}: ${message}`);
}

/** Custom tools → function tools; server tools (web_search_…, bash_…) cannot be carried and are dropped. */
function convertTools(tools: unknown, dropped: DroppedParams): Json[] {
  const out: Json[] = [];
  asArray(tools).forEach((t, i) => {
    const tool = asObj(t);
    if (tool === undefined) throw bad(`tools[${i}]`, 'a tool must be an object');
    if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom') {
      dropped.add(`tools.${typeof tool.type === 'string' ? tool.type : 'unknown'}`);
      return;
    }
    const name = asString(tool.name);
    if (name === undefined || name === '') throw bad(`tools[${i}]`, 'name must be a non-empty string');
    const fn: Json = { name };
    const description = asString(tool.description);
    if (description !== undefined) fn.description = description;
    fn.parameters = asObj(tool.input_schema) ?? { type: 'object', properties: {} };
    // The tool's cache_control rides on the canonical tool (../translate/cache-control.ts).
    out.push(withCacheControl({ type: 'function', function: fn }, tool));
  });
  return out;
}

function convertToolChoice(choice: Json | undefined, req: OpenAIChatRequest): void {
  if (choice === undefined) return;
  switch (choice.type) {
    case 'auto':
      req.tool_choice = 'auto';
      break;
    case 'any':
      req.tool_choice = 'required';
      break;
    case 'none':
      req.tool_choice = 'none';
      break;
    case 'tool': {
      const name = asString(choice.name);
      if (name === undefined || name === '') throw bad('tool_choice', 'type "tool" needs a name');
      req.tool_choice = { type: 'function', function: { name } };
      break;
    }
    default:
      throw bad('tool_choice', `unsupported type "${String(choice.type)}"`);
  }
  if (choice.disable_parallel_tool_use === true) req.parallel_tool_calls = false;
}

/**
 * `thinking` → the canonical request: kept as it is (the exact budget, for providers that speak budgets) plus
 * the reasoning_effort it amounts to, for OpenAI-compatible upstreams (../translate/reasoning.ts).
 */
function applyThinking(thinking: unknown, req: OpenAIChatRequest, dropped: DroppedParams): void {
  const t = asObj(thinking);
  if (t === undefined || t.type === 'disabled') return;
  const budget = t.budget_tokens;
  if (t.type === 'adaptive') {
    req.thinking = { type: 'adaptive' };
    req.reasoning_effort = 'high'; // Claude's default effort; output_config.effort, if any, replaces it.
  } else if (t.type === 'enabled' && typeof budget === 'number' && Number.isInteger(budget) && budget > 0) {
    req.thinking = { type: 'enabled', budget_tokens: budget };
    req.reasoning_effort = effortForBudget(budget);
  } else dropped.add('thinking');
}

/**
 * output_config.format (json_schema) → response_format, output_config.effort → reasoning_effort; other
 * output_config settings are reported.
 */
const EFFORTS: Readonly<Record<string, string>> = {
  low: 'low',
  medium: 'medium',
  high: 'high',
  max: 'xhigh',
};

function applyOutputConfig(config: unknown, req: OpenAIChatRequest, dropped: DroppedParams): void {
  const c = asObj(config);
  if (c === undefined) return;
  for (const key of Object.keys(c)) {
    if (key !== 'format' && key !== 'effort') dropped.add(`output_config.${key}`);
  }
  // Claude's effort is OpenAI's reasoning_effort (max is xhigh); providers that speak effort get it back.
  const effort = EFFORTS[typeof c.effort === 'string' ? c.effort : ''];
  if (effort !== undefined) req.reasoning_effort = effort;
  else if (c.effort !== undefined && c.effort !== null) dropped.add('output_config.effort');
  const format = asObj(c.format);
  if (format === undefined) return;
  const schema = asObj(format.schema);
  if (format.type !== 'json_schema' || schema === undefined) {
    throw bad('output_config.format', 'type must be "json_schema" with a schema object');
  }
  req.response_format = { type: 'json_schema', json_schema: { name: 'response', schema, strict: true } };
}

function copyNumber(body: Json, from: string, req: OpenAIChatRequest, to: string): void {
  const v = body[from];
  if (v === undefined || v === null) return;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(from, 'must be a number');
  req[to] = v;
}

/**
 * Converts the request; `dropped` collects what OpenAI cannot carry (cache_control on assistant blocks and
 * on blocks it drops, is_error on tool results, images in tool results, server tools, unknown fields);
 * cache_control on text, image and document blocks, tool results and tools is kept.
 */
export function anthropicToOpenAIRequest(body: Json, dropped: DroppedParams): OpenAIChatRequest {
  const messages = [...systemMessages(body.system), ...anthropicToOpenAIMessages(body.messages, dropped)];
  const req: OpenAIChatRequest = {};
  if (typeof body.model === 'string') req.model = body.model;
  req.messages = messages;
  copyNumber(body, 'max_tokens', req, 'max_completion_tokens');
  copyNumber(body, 'temperature', req, 'temperature');
  copyNumber(body, 'top_p', req, 'top_p');
  // Not an OpenAI field: Gemini and Claude on Bedrock take it, OpenAI-compatible upstreams report it dropped.
  copyNumber(body, 'top_k', req, 'top_k');
  const stop = asArray(body.stop_sequences).filter((s): s is string => typeof s === 'string');
  if (stop.length > 0) req.stop = stop;
  const tools = convertTools(body.tools, dropped);
  if (tools.length > 0) {
    req.tools = tools;
    convertToolChoice(asObj(body.tool_choice), req);
  } else if (body.tool_choice !== undefined && body.tool_choice !== null) dropped.add('tool_choice');
  applyThinking(body.thinking, req, dropped);
  applyOutputConfig(body.output_config, req, dropped);
  const metadata = asObj(body.metadata);
  const user = asString(metadata?.user_id);
  if (user !== undefined && user !== '') req.user = user;
  for (const key of Object.keys(metadata ?? {})) if (key !== 'user_id') dropped.add(`metadata.${key}`);
  if (body.stream === true) {
    req.stream = true;
    // Anthropic streams always report usage; OpenAI only when asked.
    req.stream_options = { include_usage: true };
  }
  for (const [key, value] of Object.entries(body)) {
    if (!HANDLED.has(key) && value !== undefined && value !== null) dropped.add(key);
  }
  return req;
}
