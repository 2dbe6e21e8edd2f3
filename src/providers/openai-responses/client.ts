/** The OpenAI Responses client API (`POST /v1/responses`) over the canonical chat form. */
import type { CanonicalError, ClientAdapter, Json } from '../translate/types.js';
import { openAIToResponsesResponse } from './openai-to-responses.response.js';
import { OpenAIToResponsesStream } from './openai-to-responses.stream.js';
import { responsesToOpenAIRequest } from './responses-to-openai.request.js';

/** The Responses fields a request carried that the canonical form cannot (for x-ai-extproc-dropped-params). */
export function responsesDroppedParams(body: Json): string[] {
  const dropped = new Set<string>();
  try {
    responsesToOpenAIRequest(body, dropped);
  } catch {
    // invalid requests are refused by the adapter itself
  }
  return [...dropped];
}

export const responsesClient: ClientAdapter = {
  api: 'openai-responses',
  request: (body: Json) => responsesToOpenAIRequest(body, new Set()),
  droppedParams: responsesDroppedParams,
  response: openAIToResponsesResponse,
  // The Responses API answers errors in the OpenAI error format.
  error: (err: CanonicalError) => ({
    error: { message: err.message, type: err.type, param: null, code: err.code ?? null },
  }),
  stream: () => new OpenAIToResponsesStream(),
};
