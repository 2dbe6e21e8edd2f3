/** Anthropic Messages SSE → OpenAI chat.completion.chunk objects, one event at a time. */
import { SseDecoder, SseLimitError } from '../../streaming/sse-decoder.js';
import type { SseEvent } from '../../streaming/sse-decoder.js';
import type { Json, OpenAIChatChunk, ProviderStreamDecoder, UpstreamTarget } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import { anthropicToOpenAIErrorType, statusForAnthropicType } from './error-types.js';
import { asArray, asObj, asString, parseJsonObject } from '../../json.js';
import { anthropicBlockCitations, urlAnnotation } from '../translate/citations.js';
import { THINKING_BLOCKS } from '../translate/reasoning.js';
import type { Clock } from './anthropic-to-openai.response.js';
import { anthropicToOpenAIFinishReason } from './stop-reasons.js';
import type { AnthropicUsage } from './usage.js';
import { mergeAnthropicUsage, anthropicToOpenAIUsage } from './usage.js';

/** The TranslationError for an Anthropic stream `error` event. */
function streamError(error: Json | undefined): TranslationError {
  const anthropicType = asString(error?.type);
  const status = statusForAnthropicType(anthropicType);
  const message = asString(error?.message);
  return new TranslationError(
    status,
    message !== undefined && message !== '' ? message : 'upstream reported an error mid-stream',
    anthropicToOpenAIErrorType(anthropicType, status).type,
  );
}

/** Citations kept per text block (a bound: each is small, a block has a handful). */
const MAX_BLOCK_CITATIONS = 256;

/** What an Anthropic content block index carries. Tool blocks know their OpenAI tool_calls index. */
type Block =
  | { readonly kind: 'other' }
  /** `start`: where its text begins in the content; `citations`: its web citations so far. */
  | { readonly kind: 'text'; readonly start: number; readonly citations: unknown[] }
  | { readonly kind: 'thinking'; text: string; signature: string }
  | { readonly kind: 'tool'; readonly toolIndex: number; argsSent: boolean };

/**
 * Decodes an Anthropic stream incrementally: every event yields its chunks at once, nothing is held back.
 *
 * - message_start → a chunk with `delta: {role: "assistant", content: ""}` (once, even if repeated).
 * - text_delta → `delta.content`; thinking_delta → `delta.reasoning_content`. When a signed thinking block
 *   ends, one chunk carries it whole as `delta.thinking_blocks` (text and signature, so that the client can
 *   replay it); a redacted_thinking block is sent the same way when it starts (../translate/reasoning.ts).
 * - tool_use start → `delta.tool_calls[{index, id, type, function: {name, arguments: ""}}]`; each
 *   input_json_delta → `delta.tool_calls[{index, function: {arguments}}]`. A tool block that ends without
 *   any argument text gets `arguments: "{}"`, so clients always receive parseable JSON.
 * - message_delta → a chunk with `delta: {}` and the mapped finish_reason.
 * - message_stop → the usage chunk `{choices: [], usage}`; usage merges message_start and message_delta
 *   (later values win, as Anthropic's counts are cumulative). If the stream ends without message_stop, end()
 *   still emits the usage chunk (no finish_reason is invented for a truncated stream). No usage chunk is made
 *   up when the upstream reported no usage at all.
 * - ping, unknown events, empty data and a `[DONE]` line (sent by some Anthropic-compatible proxies) are
 *   skipped.
 *
 * Errors follow the other providers' decoders: an `error` event becomes a TranslationError with Anthropic's
 * status for its type (overloaded_error 529, rate_limit_error 429, api_error 500…; unknown 502) and the
 * OpenAI type; an event whose data is not a JSON object, or an event over the SSE size limit, becomes a
 * TranslationError(502, api_error). The chunks decoded before the error are returned first and the error is
 * thrown by the next push() or end() call (at once when the failing call decoded no chunk), so the output
 * never depends on how the bytes were split. From then on every call throws the same error.
 */
export class AnthropicToOpenAIStream implements ProviderStreamDecoder {
  private readonly sse = new SseDecoder();
  private readonly created: number;
  private id = '';
  private model: string;
  private started = false;
  private failure: TranslationError | undefined;
  private usageSent = false;
  private hasUsage = false;
  private readonly usage: AnthropicUsage = {};
  private readonly blocks = new Map<number, Block>();
  private toolCount = 0;
  /** The content text sent so far (citations point into it). */
  private contentLength = 0;

  constructor(target: UpstreamTarget, clock: Clock) {
    this.model = target.model;
    this.created = clock();
  }

  push(bytes: Uint8Array): OpenAIChatChunk[] {
    return this.run((out) => this.onEvents(this.sse.push(bytes), out));
  }

  end(): OpenAIChatChunk[] {
    return this.run((out) => {
      this.onEvents(this.sse.end(), out);
      if (this.started && !this.usageSent && this.hasUsage) out.push(this.usageChunk());
    });
  }

  /** Runs one step; an error is kept for the next call so that the chunks before it are not lost. */
  private run(step: (out: OpenAIChatChunk[]) => void): OpenAIChatChunk[] {
    if (this.failure !== undefined) throw this.failure;
    const out: OpenAIChatChunk[] = [];
    try {
      step(out);
    } catch (e) {
      if (e instanceof TranslationError) this.failure = e;
      else if (e instanceof SseLimitError) this.failure = new TranslationError(502, e.message, 'api_error');
      else throw e;
      if (out.length === 0) throw this.failure;
    }
    return out;
  }

  private onEvents(events: readonly SseEvent[], out: OpenAIChatChunk[]): void {
    for (const ev of events) this.onEvent(ev, out);
  }

  private onEvent(ev: SseEvent, out: OpenAIChatChunk[]): void {
    const data = ev.data.trim();
    if (ev.event === 'ping' || data === '' || data === '[DONE]') return;
    const msg = parseJsonObject(data);
    if (msg === undefined) {
      throw new TranslationError(
        502,
        'upstream sent a malformed stream event (data is not a JSON object)',
        'api_error',
      );
    }
    switch (asString(msg.type) ?? ev.event) {
      case 'message_start':
        return this.onMessageStart(asObj(msg.message), out);
      case 'content_block_start':
        return this.onBlockStart(msg, out);
      case 'content_block_delta':
        return this.onBlockDelta(msg, out);
      case 'content_block_stop':
        return this.onBlockStop(msg, out);
      case 'message_delta':
        this.mergeUsage(msg.usage);
        this.start(out);
        out.push(this.chunk({}, anthropicToOpenAIFinishReason(asObj(msg.delta)?.stop_reason)));
        return;
      case 'message_stop':
        this.start(out);
        if (!this.usageSent && this.hasUsage) out.push(this.usageChunk());
        return;
      case 'error':
        throw streamError(asObj(msg.error));
      default:
        return;
    }
  }

  private onMessageStart(message: Json | undefined, out: OpenAIChatChunk[]): void {
    this.mergeUsage(message?.usage);
    if (this.started) return;
    this.id = asString(message?.id) ?? '';
    this.model = asString(message?.model) ?? this.model;
    this.start(out);
  }

  private onBlockStart(msg: Json, out: OpenAIChatChunk[]): void {
    const index = typeof msg.index === 'number' ? msg.index : -1;
    const block = asObj(msg.content_block);
    this.start(out);
    switch (block?.type) {
      case 'text':
        this.blocks.set(index, {
          kind: 'text',
          start: this.contentLength,
          citations: [...asArray(block.citations)],
        });
        this.text('content', block.text, out);
        return;
      case 'thinking': {
        const thinking = asString(block.thinking) ?? '';
        this.blocks.set(index, {
          kind: 'thinking',
          text: thinking,
          signature: asString(block.signature) ?? '',
        });
        this.text('reasoning_content', thinking, out);
        return;
      }
      case 'redacted_thinking':
        this.blocks.set(index, { kind: 'other' });
        out.push(
          this.chunk({
            [THINKING_BLOCKS]: [{ type: 'redacted_thinking', data: asString(block.data) ?? '' }],
          }),
        );
        return;
      case 'tool_use': {
        const input = asObj(block.input);
        const args = input !== undefined && Object.keys(input).length > 0 ? JSON.stringify(input) : '';
        const tool = { kind: 'tool' as const, toolIndex: this.toolCount++, argsSent: args !== '' };
        this.blocks.set(index, tool);
        const fn = { name: asString(block.name) ?? '', arguments: args };
        const call = { index: tool.toolIndex, id: asString(block.id) ?? '', type: 'function', function: fn };
        out.push(this.chunk({ tool_calls: [call] }));
        return;
      }
      default:
        this.blocks.set(index, { kind: 'other' });
        return;
    }
  }

  private onBlockDelta(msg: Json, out: OpenAIChatChunk[]): void {
    const block = typeof msg.index === 'number' ? this.blocks.get(msg.index) : undefined;
    const delta = asObj(msg.delta);
    switch (delta?.type) {
      case 'text_delta':
        return this.text('content', delta.text, out);
      case 'thinking_delta':
        if (block?.kind === 'thinking') block.text += asString(delta.thinking) ?? '';
        return this.text('reasoning_content', delta.thinking, out);
      case 'signature_delta':
        if (block?.kind === 'thinking') block.signature += asString(delta.signature) ?? '';
        return;
      case 'citations_delta':
        if (block?.kind === 'text' && block.citations.length < MAX_BLOCK_CITATIONS)
          block.citations.push(delta.citation);
        return;
      case 'input_json_delta': {
        const partial = asString(delta.partial_json) ?? '';
        if (block?.kind !== 'tool' || partial === '') return;
        block.argsSent = true;
        out.push(this.chunk({ tool_calls: [{ index: block.toolIndex, function: { arguments: partial } }] }));
        return;
      }
      default:
        return;
    }
  }

  private onBlockStop(msg: Json, out: OpenAIChatChunk[]): void {
    const block = typeof msg.index === 'number' ? this.blocks.get(msg.index) : undefined;
    if (block?.kind === 'thinking' && block.signature !== '') {
      const whole = { type: 'thinking', thinking: block.text, signature: block.signature };
      out.push(this.chunk({ [THINKING_BLOCKS]: [whole] }));
      return;
    }
    if (block?.kind === 'text') {
      const citations = anthropicBlockCitations(block.citations, block.start, this.contentLength);
      if (citations.length > 0) out.push(this.chunk({ annotations: citations.map(urlAnnotation) }));
      return;
    }
    if (block?.kind !== 'tool' || block.argsSent) return;
    block.argsSent = true;
    out.push(this.chunk({ tool_calls: [{ index: block.toolIndex, function: { arguments: '{}' } }] }));
  }

  private text(key: 'content' | 'reasoning_content', value: unknown, out: OpenAIChatChunk[]): void {
    if (typeof value !== 'string' || value === '') return;
    if (key === 'content') this.contentLength += value.length;
    this.start(out);
    out.push(this.chunk({ [key]: value }));
  }

  /** Emits the role chunk before anything else. */
  private start(out: OpenAIChatChunk[]): void {
    if (this.started) return;
    this.started = true;
    out.push(this.chunk({ role: 'assistant', content: '' }));
  }

  private chunk(delta: Json, finishReason: string | null = null): OpenAIChatChunk {
    return { ...this.head(), choices: [{ index: 0, delta, finish_reason: finishReason }] };
  }

  private mergeUsage(usage: unknown): void {
    if (mergeAnthropicUsage(this.usage, usage)) this.hasUsage = true;
  }

  private usageChunk(): OpenAIChatChunk {
    this.usageSent = true;
    return { ...this.head(), choices: [], usage: anthropicToOpenAIUsage(this.usage) };
  }

  private head(): Json {
    return { id: this.id, object: 'chat.completion.chunk', created: this.created, model: this.model };
  }
}
