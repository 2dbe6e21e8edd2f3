/**
 * Claude on Vertex AI for clients translated through the canonical form (OpenAI Chat Completions):
 * the Anthropic Messages translation, sent to `publishers/anthropic/models/{model}:rawPredict` with
 * the platform body (./platforms.ts). Answers and streams are Anthropic's, read as from Anthropic;
 * Vertex's own errors (Google format) are read as Vertex's.
 */
import { anthropicProvider } from '../anthropic/index.js';
import { anthropicToOpenAIError } from '../anthropic/anthropic-to-openai.error.js';
import { geminiToOpenAIError } from '../gemini/gemini-to-openai.error.js';
import type { Json, ProviderAdapter } from '../translate/types.js';
import { parseJsonObject } from '../../json.js';
import { claudePlatformHeaders, claudePlatformPath, toClaudePlatformBody } from './platforms.js';

export const vertexClaudeProvider: ProviderAdapter = {
  provider: 'vertex-ai',
  request(req, target) {
    const out = anthropicProvider.request(req, target);
    const body = JSON.parse(out.body.toString('utf8')) as Json;
    toClaudePlatformBody('vertex', body, target.stream);
    return {
      body: Buffer.from(JSON.stringify(body)),
      path: claudePlatformPath('vertex', target),
      headers: claudePlatformHeaders('vertex', target),
      droppedParams: out.droppedParams,
    };
  },
  response: (body, target) => anthropicProvider.response(body, target),
  error(status, body) {
    const json = parseJsonObject(body.toString('utf8'));
    return json?.type === 'error' ? anthropicToOpenAIError(status, body) : geminiToOpenAIError(status, body);
  },
  stream: (target) => anthropicProvider.stream(target),
};
