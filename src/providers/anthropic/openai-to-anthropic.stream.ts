/** OpenAI chat.completion.chunk objects (canonical) → Anthropic Messages SSE text (client). */
import type { ClientStreamEncoder, Json, OpenAIChatChunk } from '../translate/types.js';
import { openAIToAnthropicErrorType } from './error-types.js';
import { reasoningText, thinkingBlocks } from './openai-to-anthropic.response.js';
import { THINKING_BLOCKS } from '../translate/reasoning.js';
import { asArray, asObj, asString } from '../../json.js';
import { matchedStopSequence, stopReasonWithTools } from './stop-reasons.js';
import type { AnthropicUsage } from './usage.js';
import { openAIToAnthropicUsage, anthropicUsageJson } from './usage.js';
import type { GoogleSignature } from '../translate/google-signatures.js';
import { encodeGoogleSignature, googleSignatureOf } from '../translate/google-signatures.js';

type BlockKind = 'text' | 'thinking' | 'tool_use';

function sse(type: string, data: Json): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/**
 * Encodes incrementally; each chunk's events are returned at once, with one exception: message_delta (stop
 * reason plus usage) waits for the usage-only chunk that OpenAI sends after the finish_reason chunk (the
 * request asks for it with stream_options.include_usage), or for end().
 *
 * - The first chunk opens the message (message_start; input_tokens 0 unless that chunk has usage).
 * - reasoning_content/reasoning → a thinking block, closed by a `thinking_blocks` delta with its signature
 *   (signature_delta; a block not streamed before is sent whole), redacted_thinking blocks as they come;
 *   without a signature the block keeps signature "". A Gemini thought signature (`extra_content`) signs
 *   the open thinking block or comes as an empty thinking block (../translate/google-signatures.ts).
 *   content/refusal → a text block, each
 *   tool call → a tool_use block whose argument fragments become input_json_delta events. A new kind of
 *   content closes the open block (content_block_stop); so does finish_reason.
 * - message_delta carries the stop reason (null when the upstream gave none) and the final usage:
 *   output_tokens, plus input_tokens and cache fields when the upstream reported usage.
 * - A chunk `{error: {message, type, code, status?}}` (OpenAI's in-band error form; a caller can push one to
 *   report a mid-stream TranslationError, with its status) becomes an `error` event and ends the stream:
 *   later chunks and end() add nothing. The Anthropic error type comes from the code, the status (e.g. 529 →
 *   overloaded_error) or the type, as for non-streaming errors.
 * - end() closes what is open and emits message_delta (if not yet sent) and message_stop; if no chunk came at
 *   all it still emits a well-formed empty message.
 */
export class OpenAIToAnthropicStream implements ClientStreamEncoder {
  private started = false;
  private ended = false;
  private id = '';
  private model = '';
  private nextIndex = 0;
  private open: { kind: BlockKind; index: number } | undefined;
  /** OpenAI tool_calls index → the Anthropic block index and the call id. */
  private readonly tools = new Map<number, { index: number; id: string | undefined }>();
  private stopReason: string | null = null;
  /** The stop sequence the server named (vLLM's `stop_reason`), if any. */
  private stopSequence: string | null = null;
  private usage: AnthropicUsage | undefined;
  private deltaSent = false;
  /** Refusal text streamed, and content text streamed (a refusal only: stop_reason refusal). */
  private refused = false;
  private answered = false;
  /** A Gemini text-part signature not sent yet. */
  private textSignature: string | undefined;

  push(chunks: readonly OpenAIChatChunk[]): string {
    let out = '';
    for (const chunk of chunks) if (!this.ended) out += this.onChunk(chunk);
    return out;
  }

  end(): string {
    if (this.ended) return '';
    let out = this.start() + this.close() + this.flushTextSignature();
    if (!this.deltaSent) out += this.messageDelta();
    this.ended = true;
    return out + sse('message_stop', {});
  }

  private onChunk(chunk: OpenAIChatChunk): string {
    const error = asObj(chunk.error);
    if (error !== undefined) return this.onError(error);
    if (!this.started) {
      this.id = asString(chunk.id) ?? '';
      this.model = asString(chunk.model) ?? '';
    }
    this.usage = openAIToAnthropicUsage(chunk.usage) ?? this.usage;
    let out = this.start();
    const choices = asArray(chunk.choices);
    const choice = asObj(choices.find((c) => asObj(c)?.index === 0) ?? choices[0]);
    const delta = asObj(choice?.delta);
    const reasoning = reasoningText(delta);
    if (reasoning !== undefined)
      out += this.blockDelta('thinking', { type: 'thinking_delta', thinking: reasoning });
    for (const block of thinkingBlocks(delta?.[THINKING_BLOCKS])) out += this.onThinkingBlock(block);
    const content = asString(delta?.content) ?? '';
    const text = content || (asString(delta?.refusal) ?? '');
    if (content !== '') this.answered = true;
    else if (text !== '') this.refused = true;
    if (text !== '') out += this.blockDelta('text', { type: 'text_delta', text });
    // A text part's signature signs the whole text: it is sent once the text is complete (at the finish).
    this.textSignature = googleSignatureOf(delta) ?? this.textSignature;
    asArray(delta?.tool_calls).forEach((t, position) => {
      const call = asObj(t);
      if (call !== undefined) out += this.onToolCall(call, position);
    });
    const finish = choice?.finish_reason;
    if (finish !== undefined && finish !== null) {
      out += this.close() + this.flushTextSignature();
      this.stopReason = stopReasonWithTools(finish, this.tools.size > 0, this.refused && !this.answered);
      this.stopSequence = this.tools.size > 0 ? null : matchedStopSequence(choice);
      if (this.stopSequence !== null) this.stopReason = 'stop_sequence';
    }
    // The usage-only chunk follows the finish_reason chunk: the message can be closed now.
    if (
      choices.length === 0 &&
      this.usage !== undefined &&
      finish === undefined &&
      this.stopReason !== null
    ) {
      out += this.messageDelta();
    }
    return out;
  }

  private onToolCall(call: Json, position: number): string {
    const key = typeof call.index === 'number' ? call.index : position;
    const id = asString(call.id);
    const fn = asObj(call.function);
    let out = '';
    let tool = this.tools.get(key);
    if (tool === undefined || (id !== undefined && id !== tool.id)) {
      const signature = googleSignatureOf(call);
      if (signature !== undefined) out += this.onGoogleSignature({ signature, callId: id ?? '' });
      out += this.close();
      tool = { index: this.nextIndex++, id };
      this.tools.set(key, tool);
      this.open = { kind: 'tool_use', index: tool.index };
      const block = {
        type: 'tool_use',
        id: id ?? `toolu_${tool.index}`,
        name: asString(fn?.name) ?? '',
        input: {},
      };
      out += sse('content_block_start', { index: tool.index, content_block: block });
    }
    const args = asString(fn?.arguments) ?? '';
    if (args !== '') {
      out += sse('content_block_delta', {
        index: tool.index,
        delta: { type: 'input_json_delta', partial_json: args },
      });
    }
    return out;
  }

  private flushTextSignature(): string {
    const signature = this.textSignature;
    this.textSignature = undefined;
    return signature === undefined ? '' : this.onGoogleSignature({ signature });
  }

  /** A Gemini signature, as a thinking block's signature (see signLast in the response encoder). */
  private onGoogleSignature(signature: GoogleSignature): string {
    return this.onThinkingBlock({
      type: 'thinking',
      thinking: '',
      signature: encodeGoogleSignature(signature),
    });
  }

  /** A whole signed block: signs the open thinking block, or sends the block on its own. */
  private onThinkingBlock(block: Json): string {
    if (block.type === 'thinking') {
      let out = '';
      const text = asString(block.thinking) ?? '';
      if (this.open?.kind !== 'thinking') {
        // Not streamed before (or its text is empty): the whole block is sent now.
        out += this.close();
        this.open = { kind: 'thinking', index: this.nextIndex++ };
        const start = { type: 'thinking', thinking: '', signature: '' };
        out += sse('content_block_start', { index: this.open.index, content_block: start });
        if (text !== '') {
          const delta = { type: 'thinking_delta', thinking: text };
          out += sse('content_block_delta', { index: this.open.index, delta });
        }
      }
      const signature = asString(block.signature) ?? '';
      if (signature !== '') {
        out += sse('content_block_delta', {
          index: this.open.index,
          delta: { type: 'signature_delta', signature },
        });
      }
      return out + this.close();
    }
    const index = this.nextIndex++;
    return (
      this.close() +
      sse('content_block_start', { index, content_block: block }) +
      sse('content_block_stop', { index })
    );
  }

  /** A delta for a text or thinking block, opening one (and closing the previous) when needed. */
  private blockDelta(kind: 'text' | 'thinking', delta: Json): string {
    let out = '';
    if (this.open?.kind !== kind) {
      out += this.close();
      this.open = { kind, index: this.nextIndex++ };
      const block =
        kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' };
      out += sse('content_block_start', { index: this.open.index, content_block: block });
    }
    return out + sse('content_block_delta', { index: this.open.index, delta });
  }

  private close(): string {
    if (this.open === undefined) return '';
    const { index } = this.open;
    this.open = undefined;
    return sse('content_block_stop', { index });
  }

  private start(): string {
    if (this.started) return '';
    this.started = true;
    const usage = anthropicUsageJson({ ...this.usage, outputTokens: 0 });
    const message = {
      id: this.id,
      type: 'message',
      role: 'assistant',
      model: this.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage,
    };
    return sse('message_start', { message });
  }

  private messageDelta(): string {
    this.deltaSent = true;
    const usage: Json = this.usage === undefined ? { output_tokens: 0 } : anthropicUsageJson(this.usage);
    return sse('message_delta', {
      delta: { stop_reason: this.stopReason, stop_sequence: this.stopSequence },
      usage,
    });
  }

  private onError(error: Json): string {
    this.ended = true;
    const status = typeof error.status === 'number' ? error.status : 0;
    const type = openAIToAnthropicErrorType(asString(error.type) ?? '', asString(error.code), status);
    const message = asString(error.message) ?? 'upstream stream error';
    return sse('error', { error: { type, message } });
  }
}
