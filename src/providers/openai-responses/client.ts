/** The OpenAI Responses client API (`POST /v1/responses`) over the canonical chat form. */
import type { CanonicalError, ClientAdapter, Json } from '../translate/types.js';
import { openAIToResponsesResponse } from './openai-to-responses.response.js';
import { OpenAIToResponsesStream } from './openai-to-responses.stream.js';
import { responsesToOpenAIRequest } from './responses-to-openai.request.js';
import { requestTools } from './request-tools.js';
import type { RequestTools } from './request-tools.js';

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

/** The Responses adapter; `tools`: the request's custom and namespaced tools (./request-tools.ts). */
function responsesAdapter(tools?: RequestTools): ClientAdapter {
  return {
    api: 'openai-responses',
    request: (body: Json) => responsesToOpenAIRequest(body, new Set()),
    droppedParams: responsesDroppedParams,
    response: (completion) => openAIToResponsesResponse(completion, tools),
    // The Responses API answers errors in the OpenAI error format.
    error: (err: CanonicalError) => ({
      error: { message: err.message, type: err.type, param: null, code: err.code ?? null },
    }),
    stream: () => new OpenAIToResponsesStream(tools),
    ...(tools === undefined ? { forRequest: forRequest } : {}),
  };
}

/**
 * A request with custom or namespace tools gets an adapter that renders their calls as
 * custom_tool_call items and namespaced function calls.
 */
function forRequest(body: Json): ClientAdapter | undefined {
  const tools = requestTools(body);
  return tools === undefined ? undefined : responsesAdapter(tools);
}

export const responsesClient: ClientAdapter = responsesAdapter();
