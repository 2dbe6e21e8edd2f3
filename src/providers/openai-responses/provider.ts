/**
 * OpenAI models served only on the Responses API (a backend with `openai: { api: responses }`):
 * the provider adapter between the canonical chat form and /v1/responses. Errors are OpenAI's.
 */
import type { ProviderAdapter } from '../translate/types.js';
import { openaiProvider } from '../openai/index.js';
import { openAIToResponsesRequest } from './openai-to-responses.request.js';
import { responsesToOpenAIResponse, responsesToOpenAIStream } from './responses-to-openai.response.js';

export const responsesProvider: ProviderAdapter = {
  provider: 'openai',
  request: openAIToResponsesRequest,
  response: (body, target) => responsesToOpenAIResponse(body, target.model),
  error: (status, body) => openaiProvider.error(status, body),
  stream: (target) => responsesToOpenAIStream(target.model),
};
