/** The OpenAI Responses client API (`POST /v1/responses`) over the canonical chat form. */
import type { CanonicalError, ClientAdapter, Json } from '../translate/types.js';
import { openAIToResponsesResponse } from './openai-to-responses.response.js';
import { OpenAIToResponsesStream } from './openai-to-responses.stream.js';
import { responsesToOpenAIRequest } from './responses-to-openai.request.js';
import { customToolNames } from './custom-tools.js';

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

/** The Responses adapter; `custom`: the request's custom tools (see ./custom-tools.ts). */
function responsesAdapter(custom?: ReadonlySet<string>): ClientAdapter {
  return {
    api: 'openai-responses',
    request: (body: Json) => responsesToOpenAIRequest(body, new Set()),
    droppedParams: responsesDroppedParams,
    response: (completion) => openAIToResponsesResponse(completion, custom),
    // The Responses API answers errors in the OpenAI error format.
    error: (err: CanonicalError) => ({
      error: { message: err.message, type: err.type, param: null, code: err.code ?? null },
    }),
    stream: () => new OpenAIToResponsesStream(custom),
    ...(custom === undefined ? { forRequest: forRequest } : {}),
  };
}

/** A request with custom tools gets an adapter that renders their calls as custom_tool_call items. */
function forRequest(body: Json): ClientAdapter | undefined {
  const custom = customToolNames(body);
  return custom.size === 0 ? undefined : responsesAdapter(custom);
}

export const responsesClient: ClientAdapter = responsesAdapter();
