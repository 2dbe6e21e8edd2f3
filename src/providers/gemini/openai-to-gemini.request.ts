/** OpenAI chat request → Gemini GenerateContentRequest body (shared by Gemini and Vertex AI). */
import type { Json, OpenAIChatRequest, UpstreamTarget } from '../translate/types.js';
import { openAIToGeminiMessages } from './openai-to-gemini.messages.js';
import { GENERATION_KEYS, openAIToGeminiGenerationConfig } from './openai-to-gemini.generation-config.js';
import { TOOL_KEYS, openAIToGeminiTools } from './openai-to-gemini.tools.js';
import { asArray, asObj } from '../../json.js';
import { THINKING_BLOCKS } from '../translate/reasoning.js';
import { hasCacheControl } from '../translate/cache-control.js';
import { fillThoughtSignatures } from './openai-to-gemini.thought-signatures.js';

/** Keys consumed here; every other non-null key of the request is dropped and reported. */
const CONSUMED = new Set<string>(['model', 'messages', 'stream', ...GENERATION_KEYS, ...TOOL_KEYS]);

export interface GeminiRequest {
  readonly body: Json;
  readonly droppedParams: string[];
}

/**
 * Builds the body. `stream_options` is consumed when the target streams (Gemini always reports usage, and
 * the decoder ends with one usage chunk) and dropped otherwise.
 */
export function openAIToGeminiRequest(req: OpenAIChatRequest, target: UpstreamTarget): GeminiRequest {
  const { contents, systemInstruction } = openAIToGeminiMessages(req.messages);
  fillThoughtSignatures(contents, target.model);
  const tools = openAIToGeminiTools(req, target.model);
  const generation = openAIToGeminiGenerationConfig(req, target.model);
  const body: Json = { contents };
  if (systemInstruction !== undefined) body.systemInstruction = systemInstruction;
  if (tools.tools !== undefined) body.tools = tools.tools;
  if (tools.toolConfig !== undefined) body.toolConfig = tools.toolConfig;
  if (generation.config !== undefined) body.generationConfig = generation.config;

  const dropped: string[] = [];
  for (const [key, value] of Object.entries(req)) {
    if (CONSUMED.has(key) || value === null || value === undefined) continue;
    if (key === 'stream_options' && target.stream) continue;
    dropped.push(key);
  }
  dropped.push(...generation.dropped, ...tools.dropped);
  // Anthropic/Bedrock signatures mean nothing to Gemini (its own travel on tool calls, see .messages).
  const messages = Array.isArray(req.messages) ? req.messages : [];
  if (messages.some((m) => asArray(asObj(m)?.[THINKING_BLOCKS]).length > 0)) {
    dropped.push(`messages[].${THINKING_BLOCKS}`);
  }
  // Gemini caches implicitly; explicit caches are cachedContent resources, not per-part breakpoints.
  if (hasCacheControl(messages, req.tools)) dropped.push('cache_control');
  return { body, droppedParams: [...new Set(dropped)] };
}
