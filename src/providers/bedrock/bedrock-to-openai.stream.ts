/**
 * ConverseStream (AWS event stream) → OpenAI `chat.completion.chunk`s.
 *
 * - `messageStart` → a role chunk (`{role:'assistant', content:''}`); one is also sent before the first
 *   content when a stream lacks `messageStart`.
 * - `contentBlockStart` with `toolUse` → a tool-call chunk with id, name and empty arguments; the tool-call
 *   `index` counts tool blocks in order of appearance. `contentBlockDelta` → `content`, tool-call
 *   `arguments` fragments or `reasoning_content`; empty fragments are skipped. A tool block that streamed no
 *   arguments gets `arguments: '{}'` at its `contentBlockStop`. A reasoning block that got a signature (or
 *   redacted content) is sent whole at its `contentBlockStop` as `thinking_blocks` (../translate/reasoning.ts).
 * - `messageStop` → a chunk with an empty delta and the mapped `finish_reason`.
 * - `metadata` → a usage-only chunk `{choices: [], usage}`. Chunks keep Bedrock's event order (Bedrock sends
 *   `metadata` after `messageStop`).
 * - An `exception` message (or a protocol `error` message) → {@link BedrockStreamError}. Chunks decoded before
 *   it in the same `push` are returned first and the error is thrown by the next `push`/`end`, so output never
 *   depends on how the bytes were split. Framing errors ({@link EventStreamError}) follow the same rule.
 *   Once thrown, every later call throws the same error.
 * - `end()` throws `EventStreamError('truncated')` when the stream stopped inside a message. A stream that ends
 *   without `messageStop` gets no synthesised finish chunk.
 */
import type { Json, OpenAIChatChunk, ProviderStreamDecoder, UpstreamTarget } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import type { CompletionStamp } from './completion-ids.js';
import type { EventStreamDecoderOptions } from './event-stream-decoder.js';
import { EventStreamDecoder } from './event-stream-decoder.js';
import type { EventStreamMessage } from './event-stream-types.js';
import { EventStreamError, headerString } from './event-stream-types.js';
import { streamException } from './exceptions.js';
import { bedrockToOpenAIFinishReason } from './bedrock-to-openai.finish-reason.js';
import { asObj, asString, parseJsonObject } from '../../json.js';
import { bedrockToOpenAIUsage } from './bedrock-to-openai.usage.js';
import { THINKING_BLOCKS } from '../translate/reasoning.js';

/** Most tool-call blocks accepted in one stream (guards the index map against a hostile upstream). */
export const MAX_TOOL_BLOCKS = 1000;

const UTF8 = new TextDecoder();

export class BedrockToOpenAIStream implements ProviderStreamDecoder {
  private readonly frames: EventStreamDecoder;
  private failure: TranslationError | undefined;
  private roleSent = false;
  /** contentBlockIndex → OpenAI tool_calls index. */
  private readonly toolIndex = new Map<number, number>();
  /** Tool blocks (by contentBlockIndex) that have not streamed any argument bytes yet. */
  private readonly toolsWithoutArgs = new Set<number>();
  /** Reasoning blocks (by contentBlockIndex) being streamed: their text, signature and redacted bytes. */
  private readonly reasoning = new Map<number, { text: string; signature: string; redacted: string }>();

  constructor(
    private readonly target: UpstreamTarget,
    private readonly stamp: CompletionStamp,
    options: EventStreamDecoderOptions = {},
  ) {
    this.frames = new EventStreamDecoder(options);
  }

  push(bytes: Uint8Array): OpenAIChatChunk[] {
    if (this.failure !== undefined) throw this.failure;
    this.frames.write(bytes);
    return this.drain();
  }

  end(): OpenAIChatChunk[] {
    if (this.failure !== undefined) throw this.failure;
    try {
      this.frames.end();
    } catch (err) {
      if (err instanceof TranslationError) this.failure = err;
      throw err;
    }
    return [];
  }

  private drain(): OpenAIChatChunk[] {
    const out: OpenAIChatChunk[] = [];
    for (;;) {
      try {
        const msg = this.frames.next();
        if (msg === undefined) return out;
        this.onMessage(msg, out);
      } catch (err) {
        if (!(err instanceof TranslationError)) throw err;
        this.failure = err;
        if (out.length === 0) throw err;
        return out;
      }
    }
  }

  private onMessage(msg: EventStreamMessage, out: OpenAIChatChunk[]): void {
    const messageType = headerString(msg, ':message-type') ?? 'event';
    if (messageType === 'exception') {
      const text = UTF8.decode(msg.payload);
      const body = parseJsonObject(text);
      const message = body === undefined ? text : (asString(body.message) ?? asString(body.Message));
      throw streamException(headerString(msg, ':exception-type'), message || undefined);
    }
    if (messageType === 'error') {
      throw streamException(headerString(msg, ':error-code'), headerString(msg, ':error-message'));
    }
    if (messageType !== 'event') return;
    const eventType = headerString(msg, ':event-type');
    switch (eventType) {
      case 'messageStart':
        this.ensureRole(out);
        return;
      case 'contentBlockStart':
        this.onBlockStart(eventPayload(msg, eventType), out);
        return;
      case 'contentBlockDelta':
        this.onBlockDelta(eventPayload(msg, eventType), out);
        return;
      case 'contentBlockStop':
        this.onBlockStop(eventPayload(msg, eventType), out);
        return;
      case 'messageStop':
        this.ensureRole(out);
        out.push(this.chunk({}, bedrockToOpenAIFinishReason(eventPayload(msg, eventType).stopReason)));
        return;
      case 'metadata': {
        const usage = bedrockToOpenAIUsage(eventPayload(msg, eventType).usage);
        if (usage !== undefined) out.push({ ...this.envelope(), choices: [], usage });
        return;
      }
      default:
        return; // Unknown events carry nothing for OpenAI.
    }
  }

  private onBlockStart(p: Json, out: OpenAIChatChunk[]): void {
    const toolUse = asObj(asObj(p.start)?.toolUse);
    if (toolUse === undefined) return;
    this.ensureRole(out);
    const block = blockIndex(p);
    const index = this.allocateTool(block);
    this.toolsWithoutArgs.add(block);
    const fn = { name: asString(toolUse.name) ?? '', arguments: '' };
    out.push(
      this.chunk({
        tool_calls: [{ index, id: asString(toolUse.toolUseId) ?? '', type: 'function', function: fn }],
      }),
    );
  }

  private onBlockDelta(p: Json, out: OpenAIChatChunk[]): void {
    const delta = asObj(p.delta);
    if (delta === undefined) return;
    const text = asString(delta.text);
    if (text !== undefined && text !== '') {
      this.ensureRole(out);
      out.push(this.chunk({ content: text }));
    }
    const args = asString(asObj(delta.toolUse)?.input);
    if (args !== undefined && args !== '') {
      this.ensureRole(out);
      const block = blockIndex(p);
      const index = this.allocateTool(block);
      this.toolsWithoutArgs.delete(block);
      out.push(this.chunk({ tool_calls: [{ index, function: { arguments: args } }] }));
    }
    const rc = asObj(delta.reasoningContent);
    if (rc !== undefined) this.onReasoningDelta(blockIndex(p), rc, out);
  }

  private onReasoningDelta(block: number, rc: Json, out: OpenAIChatChunk[]): void {
    let r = this.reasoning.get(block);
    if (r === undefined) {
      if (this.reasoning.size >= MAX_TOOL_BLOCKS) return;
      r = { text: '', signature: '', redacted: '' };
      this.reasoning.set(block, r);
    }
    const text = asString(rc.text);
    if (text !== undefined && text !== '') {
      r.text += text;
      this.ensureRole(out);
      out.push(this.chunk({ reasoning_content: text }));
    }
    r.signature += asString(rc.signature) ?? '';
    r.redacted += asString(rc.redactedContent) ?? '';
  }

  /** The finished reasoning block as one `thinking_blocks` chunk, when it can be replayed. */
  private reasoningBlock(block: number, out: OpenAIChatChunk[]): void {
    const r = this.reasoning.get(block);
    if (r === undefined) return;
    this.reasoning.delete(block);
    const blocks: Json[] = [];
    if (r.signature !== '') blocks.push({ type: 'thinking', thinking: r.text, signature: r.signature });
    if (r.redacted !== '') blocks.push({ type: 'redacted_thinking', data: r.redacted });
    if (blocks.length === 0) return;
    this.ensureRole(out);
    out.push(this.chunk({ [THINKING_BLOCKS]: blocks }));
  }

  /** A tool call that streamed no arguments gets `{}`, as the non-streaming translation gives. */
  private onBlockStop(p: Json, out: OpenAIChatChunk[]): void {
    const block = blockIndex(p);
    this.reasoningBlock(block, out);
    if (!this.toolsWithoutArgs.delete(block)) return;
    const index = this.allocateTool(block);
    out.push(this.chunk({ tool_calls: [{ index, function: { arguments: '{}' } }] }));
  }

  private allocateTool(block: number): number {
    const known = this.toolIndex.get(block);
    if (known !== undefined) return known;
    if (this.toolIndex.size >= MAX_TOOL_BLOCKS) {
      throw new TranslationError(
        502,
        `Bedrock stream has more than ${MAX_TOOL_BLOCKS} tool blocks`,
        'api_error',
      );
    }
    const index = this.toolIndex.size;
    this.toolIndex.set(block, index);
    return index;
  }

  private ensureRole(out: OpenAIChatChunk[]): void {
    if (this.roleSent) return;
    this.roleSent = true;
    out.push(this.chunk({ role: 'assistant', content: '' }));
  }

  private envelope(): Json {
    return {
      id: this.stamp.id,
      object: 'chat.completion.chunk',
      created: this.stamp.created,
      model: this.target.model,
    };
  }

  private chunk(delta: Json, finish: string | null = null): OpenAIChatChunk {
    return { ...this.envelope(), choices: [{ index: 0, delta, finish_reason: finish }] };
  }
}

function blockIndex(p: Json): number {
  const i = p.contentBlockIndex;
  return typeof i === 'number' && Number.isInteger(i) && i >= 0 ? i : 0;
}

/** An event payload: a JSON object (an empty payload counts as `{}`); anything else is a protocol error. */
function eventPayload(msg: EventStreamMessage, eventType: string): Json {
  if (msg.payload.length === 0) return {};
  const parsed = parseJsonObject(UTF8.decode(msg.payload));
  if (parsed === undefined)
    throw new EventStreamError('malformed', `${eventType} payload is not a JSON object`);
  return parsed;
}
