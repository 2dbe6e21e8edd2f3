/**
 * OpenAI Responses `response` object and stream (upstream) → chat.completion and chunks (canonical).
 * Output text → content, refusal → refusal, reasoning summaries (or reasoning text) →
 * reasoning_content, function_call (and custom_tool_call: ./custom-tools.ts) items → tool_calls
 * (`call_id` is the tool call id), url_citation annotations → annotations (../translate/citations.ts); status
 * incomplete (max_output_tokens / content_filter) → finish_reason length / content_filter.
 */
import type {
  Json,
  OpenAIChatChunk,
  OpenAIChatCompletion,
  ProviderStreamDecoder,
} from '../translate/types.js';
import { SseDecoder } from '../../streaming/sse-decoder.js';
import type { SseEvent } from '../../streaming/sse-decoder.js';
import {
  DeferredErrorDecoder,
  MAX_STREAM_EVENT_BYTES,
  malformedStream,
  streamErrorOf,
} from '../openai/openai-compat-to-openai.stream.js';
import { asArray, asCount, asObj, asString, isObj, tryParseJson } from '../../json.js';
import { urlAnnotation, urlCitationsOf } from '../translate/citations.js';
import type { UrlCitation } from '../translate/citations.js';
import { customCallArguments } from './custom-tools.js';

/** Responses usage → canonical usage (cache writes, when reported, in our cache_creation_input_tokens). */
export function canonicalUsage(raw: unknown): Json | undefined {
  const u = asObj(raw);
  if (u === undefined) return undefined;
  const prompt = asCount(u.input_tokens) ?? 0;
  const completion = asCount(u.output_tokens) ?? 0;
  const inputDetails = asObj(u.input_tokens_details);
  const promptDetails: Json = { cached_tokens: asCount(inputDetails?.cached_tokens) ?? 0 };
  const writes = asCount(inputDetails?.cache_write_tokens);
  if (writes !== undefined) promptDetails.cache_creation_input_tokens = writes;
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: asCount(u.total_tokens) ?? prompt + completion,
    prompt_tokens_details: promptDetails,
    completion_tokens_details: {
      reasoning_tokens: asCount(asObj(u.output_tokens_details)?.reasoning_tokens) ?? 0,
    },
  };
}

function finishReason(response: Json, hasCalls: boolean): string {
  const reason = asObj(response.incomplete_details)?.reason;
  if (response.status === 'incomplete') return reason === 'content_filter' ? 'content_filter' : 'length';
  return hasCalls ? 'tool_calls' : 'stop';
}

const reasoningOf = (item: Json): string => {
  const summary = asArray(item.summary).map((s) => asString(asObj(s)?.text) ?? '');
  const parts =
    summary.length > 0 ? summary : asArray(item.content).map((c) => asString(asObj(c)?.text) ?? '');
  return parts.join('\n\n');
};

export function responsesToOpenAIResponse(body: Json, model: string): OpenAIChatCompletion {
  let text = '';
  let refusal = '';
  let reasoning = '';
  const calls: Json[] = [];
  const citations: UrlCitation[] = [];
  for (const raw of asArray(body.output)) {
    const item = asObj(raw);
    if (item?.type === 'message')
      for (const c of asArray(item.content)) {
        const part = asObj(c);
        if (part?.type === 'output_text') {
          citations.push(...urlCitationsOf(part.annotations, text.length));
          text += asString(part.text) ?? '';
        }
        if (part?.type === 'refusal') refusal += asString(part.refusal) ?? '';
      }
    if (item?.type === 'reasoning') reasoning += reasoningOf(item);
    if (item?.type === 'function_call' || item?.type === 'custom_tool_call') {
      const args =
        item.type === 'custom_tool_call' ? customCallArguments(item.input) : asString(item.arguments);
      calls.push({
        id: asString(item.call_id) ?? '',
        type: 'function',
        function: { name: asString(item.name) ?? '', arguments: args ?? '' },
      });
    }
  }
  const message: Json = { role: 'assistant', content: text === '' && calls.length > 0 ? null : text };
  if (refusal !== '') message.refusal = refusal;
  if (reasoning !== '') message.reasoning_content = reasoning;
  if (calls.length > 0) message.tool_calls = calls;
  if (citations.length > 0) message.annotations = citations.map(urlAnnotation);
  const out: Json = {
    id: asString(body.id) ?? '',
    object: 'chat.completion',
    created: asCount(body.created_at) ?? 0,
    model: asString(body.model) || model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason(body, calls.length > 0) }],
  };
  const usage = canonicalUsage(body.usage);
  if (usage) out.usage = usage;
  return out;
}

/** Typed Responses events → canonical chunks. */
class ResponsesStreamDecoder extends DeferredErrorDecoder {
  private readonly sse = new SseDecoder({ maxEventBytes: MAX_STREAM_EVENT_BYTES });
  private head: Json = { id: '', object: 'chat.completion.chunk', created: 0, model: '' };
  /** output_index → tool call index. */
  private readonly calls = new Map<number, number>();
  /** Content text sent so far, and where the current output_text part began (annotations index it). */
  private contentLength = 0;
  private partStart = 0;

  constructor(private readonly model: string) {
    super();
  }

  protected decode(bytes: Uint8Array, out: OpenAIChatChunk[]): void {
    for (const ev of this.sse.push(bytes)) this.onEvent(ev, out);
  }

  protected finish(out: OpenAIChatChunk[]): void {
    for (const ev of this.sse.end()) this.onEvent(ev, out);
  }

  private chunk(delta: Json, finish: string | null = null): Json {
    return { ...this.head, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
  }

  private onEvent(ev: SseEvent, out: OpenAIChatChunk[]): void {
    const data = ev.data.trim();
    if (data === '' || data === '[DONE]') return;
    const e = tryParseJson(data);
    if (!isObj(e)) throw malformedStream('an event is not a JSON object');
    const index = asCount(e.output_index) ?? 0;
    switch (e.type) {
      case 'response.created': {
        const r = asObj(e.response) ?? {};
        this.head = {
          id: asString(r.id) ?? '',
          object: 'chat.completion.chunk',
          created: asCount(r.created_at) ?? 0,
          model: asString(r.model) || this.model,
        };
        out.push(this.chunk({ role: 'assistant', content: '' }));
        break;
      }
      case 'response.content_part.added':
        if (asObj(e.part)?.type === 'output_text') this.partStart = this.contentLength;
        break;
      case 'response.output_text.delta': {
        const delta = asString(e.delta) ?? '';
        this.contentLength += delta.length;
        out.push(this.chunk({ content: delta }));
        break;
      }
      case 'response.output_text.annotation.added': {
        const citations = urlCitationsOf([e.annotation], this.partStart);
        if (citations.length > 0) out.push(this.chunk({ annotations: citations.map(urlAnnotation) }));
        break;
      }
      case 'response.refusal.delta':
        out.push(this.chunk({ refusal: asString(e.delta) ?? '' }));
        break;
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        out.push(this.chunk({ reasoning_content: asString(e.delta) ?? '' }));
        break;
      case 'response.output_item.added': {
        const item = asObj(e.item);
        if (item?.type !== 'function_call') break;
        const n = this.calls.size;
        this.calls.set(index, n);
        const fn = { name: asString(item.name) ?? '', arguments: asString(item.arguments) ?? '' };
        const call = { index: n, id: asString(item.call_id) ?? '', type: 'function', function: fn };
        out.push(this.chunk({ tool_calls: [call] }));
        break;
      }
      case 'response.function_call_arguments.delta': {
        const n = this.calls.get(index);
        if (n === undefined) throw malformedStream('arguments for an unknown function call');
        out.push(
          this.chunk({ tool_calls: [{ index: n, function: { arguments: asString(e.delta) ?? '' } }] }),
        );
        break;
      }
      case 'response.completed':
      case 'response.incomplete': {
        const r = asObj(e.response) ?? {};
        out.push(this.chunk({}, finishReason(r, this.calls.size > 0)));
        const usage = canonicalUsage(r.usage);
        if (usage) out.push({ ...this.head, choices: [], usage });
        break;
      }
      case 'response.failed':
        throw streamErrorOf(asObj(asObj(e.response)?.error) ?? 'the response failed');
      case 'error':
        throw streamErrorOf({ message: e.message, type: 'api_error' });
      default:
        break; // the other typed events repeat what the deltas carried
    }
  }
}

export function responsesToOpenAIStream(model: string): ProviderStreamDecoder {
  return new ResponsesStreamDecoder(model);
}
