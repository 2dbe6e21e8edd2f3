/**
 * OpenAI chat.completion (canonical) → OpenAI Responses `response` object (client).
 *
 * Output items in the order the client reads them: a reasoning item (the reasoning text as its
 * summary; signed thinking blocks in `encrypted_content`), a message with one output_text part,
 * then one function_call item per tool call (`call_id` is the canonical tool call id). A Gemini thought
 * signature comes as a reasoning item of its own (see signatureItem).
 * finish_reason length/content_filter → status "incomplete" with its reason.
 */
import type { Json, OpenAIChatCompletion } from '../translate/types.js';
import { THINKING_BLOCKS, thinkingBlocksOf } from '../translate/reasoning.js';
import { asArray, asCount, asObj, asString } from '../../json.js';
import { encodeCarrier } from '../translate/thinking-carrier.js';
import { customInputOf, customToolCallItem } from './custom-tools.js';
import { NO_REQUEST_TOOLS, isCustomCall } from './request-tools.js';
import { responsesAnnotation, urlCitationsOf } from '../translate/citations.js';
import type { RequestTools } from './request-tools.js';
import type { GoogleSignature } from '../translate/google-signatures.js';
import { encodeGoogleSignature, googleSignatureOf } from '../translate/google-signatures.js';

/** The response id and the item ids derived from the upstream's id (stable, so streams and bodies agree). */
export function responseIds(upstreamId: string): { response: string; message: string; reasoning: string } {
  const base = upstreamId.replace(/^(chatcmpl-|resp_|msg_)/, '') || 'gateway';
  return { response: `resp_${base}`, message: `msg_${base}`, reasoning: `rs_${base}` };
}

/** Canonical usage → Responses usage. */
export function responsesUsage(raw: unknown): Json | undefined {
  const u = asObj(raw);
  if (u === undefined) return undefined;
  const input = asCount(u.prompt_tokens) ?? 0;
  const output = asCount(u.completion_tokens) ?? 0;
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: asCount(asObj(u.prompt_tokens_details)?.cached_tokens) ?? 0 },
    output_tokens: output,
    output_tokens_details: {
      reasoning_tokens: asCount(asObj(u.completion_tokens_details)?.reasoning_tokens) ?? 0,
    },
    total_tokens: asCount(u.total_tokens) ?? input + output,
  };
}

/** finish_reason → the response's status and incomplete_details. */
export function responseStatus(finish: unknown): { status: string; incomplete_details: Json | null } {
  if (finish === 'length')
    return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
  if (finish === 'content_filter')
    return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
  return { status: 'completed', incomplete_details: null };
}

/**
 * The status of an output item closed by `finish`: the one being written when the output limit hit
 * is `incomplete`, as OpenAI marks it; every other is `completed`.
 */
export const closedItemStatus = (finish: unknown): string =>
  finish === 'length' ? 'incomplete' : 'completed';

export function reasoningItem(id: string, text: string, blocks: unknown, status: string): Json {
  const item: Json = {
    id,
    type: 'reasoning',
    summary: text === '' ? [] : [{ type: 'summary_text', text }],
  };
  const carried = encodeCarrier(thinkingBlocksOf({ thinking_blocks: blocks ?? null }, 'reasoning'));
  if (carried !== undefined) item.encrypted_content = carried;
  item.status = status;
  return item;
}

/**
 * A Gemini thought signature as a reasoning item of its own, just before the call it signs (after the
 * message for a text signature): the client sends it back in its input, and the request decoder puts it
 * back on the call or the message (../translate/google-signatures.ts).
 */
export function signatureItem(reasoningId: string, position: number, signature: GoogleSignature): Json {
  return {
    id: `${reasoningId}_sig${position}`,
    type: 'reasoning',
    summary: [],
    encrypted_content: encodeGoogleSignature(signature),
    status: 'completed',
  };
}

/** The message's one content part: output_text, or a refusal (the model declined; OpenAI's own part). */
export const messagePart = (text: string, refusal = false, annotations: readonly Json[] = []): Json =>
  refusal
    ? { type: 'refusal', refusal: text }
    : { type: 'output_text', text, annotations: [...annotations], logprobs: [] };

/** `annotations`: the text's url citations, as Responses annotations (../translate/citations.ts). */
export function messageItem(
  id: string,
  text: string,
  status: string,
  refusal = false,
  annotations: readonly Json[] = [],
): Json {
  return {
    id,
    type: 'message',
    status,
    role: 'assistant',
    content: [messagePart(text, refusal, annotations)],
  };
}

/**
 * A closed message's `phase`: text before the turn's tool calls is `commentary` (the turn goes on),
 * otherwise the `final_answer`, as OpenAI labels its own messages (Codex reads it).
 */
export function messagePhase(finish: unknown): 'commentary' | 'final_answer' {
  return finish === 'tool_calls' || finish === null || finish === undefined ? 'commentary' : 'final_answer';
}

export function functionCallItem(callId: string, name: string, args: string, status: string): Json {
  return { id: `fc_${callId}`, type: 'function_call', status, arguments: args, call_id: callId, name };
}

/** The response object around its output (shared with the stream's response.* events). */
export function responseObject(
  ids: { response: string },
  model: string,
  createdAt: number,
  output: Json[],
  finish: unknown,
  usage: Json | undefined,
  inProgress = false,
): Json {
  const { status, incomplete_details } = inProgress
    ? { status: 'in_progress', incomplete_details: null }
    : responseStatus(finish);
  return {
    id: ids.response,
    object: 'response',
    created_at: createdAt,
    status,
    error: null,
    incomplete_details,
    model,
    output,
    usage: usage ?? null,
  };
}

/**
 * A tool call's output item: a custom tool's free text (./custom-tools.ts), a namespaced function
 * under its own name and namespace (./namespace-tools.ts), else a function call.
 */
export function callItem(
  callId: string,
  name: string,
  args: string,
  status: string,
  tools: RequestTools,
): Json {
  const namespaced = tools.namespaced.get(name);
  const own = namespaced?.name ?? name;
  const item = isCustomCall(tools, name)
    ? customToolCallItem(callId, own, customInputOf(args), status)
    : functionCallItem(callId, own, args, status);
  if (namespaced !== undefined) item.namespace = namespaced.namespace;
  return item;
}

export function openAIToResponsesResponse(
  completion: OpenAIChatCompletion,
  tools: RequestTools = NO_REQUEST_TOOLS,
): Json {
  const ids = responseIds(asString(completion.id) ?? '');
  const choices = asArray(completion.choices);
  const choice = asObj(choices.find((c) => asObj(c)?.index === 0) ?? choices[0]);
  const msg = asObj(choice?.message) ?? {};
  const output: Json[] = [];
  const reasoning = asString(msg.reasoning_content) ?? asString(msg.reasoning) ?? '';
  if (reasoning !== '' || asArray(msg[THINKING_BLOCKS]).length > 0)
    output.push(reasoningItem(ids.reasoning, reasoning, msg[THINKING_BLOCKS], 'completed'));
  const content = asString(msg.content) ?? '';
  const refusal = content === '' ? (asString(msg.refusal) ?? '') : '';
  const phase = messagePhase(asArray(msg.tool_calls).length > 0 ? 'tool_calls' : 'stop');
  const annotations = urlCitationsOf(msg.annotations).map(responsesAnnotation);
  if (content !== '')
    output.push({ ...messageItem(ids.message, content, 'completed', false, annotations), phase });
  else if (refusal !== '') output.push({ ...messageItem(ids.message, refusal, 'completed', true), phase });
  const textSignature = googleSignatureOf(msg);
  if (textSignature !== undefined) {
    output.push(signatureItem(ids.reasoning, output.length, { signature: textSignature }));
  }
  for (const t of asArray(msg.tool_calls)) {
    const call = asObj(t);
    const fn = asObj(call?.function);
    if (call === undefined || fn === undefined) continue;
    const signature = googleSignatureOf(call);
    if (signature !== undefined) {
      const callId = asString(call.id) ?? '';
      output.push(signatureItem(ids.reasoning, output.length, { signature, callId }));
    }
    output.push(
      callItem(
        asString(call.id) ?? '',
        asString(fn.name) ?? '',
        asString(fn.arguments) ?? '',
        'completed',
        tools,
      ),
    );
  }
  const last = output[output.length - 1];
  if (last !== undefined && last.type !== 'reasoning') last.status = closedItemStatus(choice?.finish_reason);
  const created = asCount(completion.created) ?? 0;
  return responseObject(
    ids,
    asString(completion.model) ?? '',
    created,
    output,
    choice?.finish_reason,
    responsesUsage(completion.usage),
  );
}
