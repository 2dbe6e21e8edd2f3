/**
 * OpenAI chat.completion.chunk objects (canonical) → OpenAI Responses SSE (client), typed events
 * numbered by `sequence_number`:
 *
 * response.created, response.in_progress; per output item response.output_item.added … done:
 * - reasoning: response.reasoning_summary_part.added, response.reasoning_summary_text.delta/.done,
 *   response.reasoning_summary_part.done (signed blocks go in the item's encrypted_content);
 * - message: response.content_part.added, response.output_text.delta/.done (url citations as
 *   response.output_text.annotation.added: ../translate/citations.ts), response.content_part.done;
 * - function_call: response.function_call_arguments.delta/.done; a custom tool's call (./custom-tools.ts):
 *   response.custom_tool_call_input.delta (the whole input, once the call is complete) and .done;
 * - a Gemini thought signature: a reasoning item added and done at once, where it arrives.
 * A new kind of output closes the open item; end() closes the last one and sends response.completed
 * (response.incomplete for length/content_filter) with the whole output and the usage, which the
 * canonical stream sends after its finish_reason chunk. An in-band `{error}` chunk becomes an `error`
 * event and ends the stream.
 */
import type { ClientStreamEncoder, Json, OpenAIChatChunk } from '../translate/types.js';
import { THINKING_BLOCKS } from '../translate/reasoning.js';
import { asArray, asCount, asObj, asString } from '../../json.js';
import {
  closedItemStatus,
  messageItem,
  messagePhase,
  messagePart,
  reasoningItem,
  responseIds,
  responseObject,
  responsesUsage,
  signatureItem,
  callItem,
} from './openai-to-responses.response.js';
import { NO_REQUEST_TOOLS, isCustomCall } from './request-tools.js';
import type { RequestTools } from './request-tools.js';
import type { GoogleSignature } from '../translate/google-signatures.js';
import { googleSignatureOf } from '../translate/google-signatures.js';
import { responsesAnnotation, urlCitationsOf } from '../translate/citations.js';
import type { UrlCitation } from '../translate/citations.js';

/** Citations kept per message (a bound against a runaway upstream). */
const MAX_ANNOTATIONS = 1024;

type Open =
  | { kind: 'reasoning'; index: number; text: string; blocks: unknown[] }
  | {
      kind: 'message';
      index: number;
      text: string;
      refusal: boolean;
      /** Where its text begins in the canonical content, and its url citations so far. */
      textStart: number;
      annotations: Json[];
    }
  | { kind: 'call'; index: number; key: number; callId: string; name: string; args: string };

export class OpenAIToResponsesStream implements ClientStreamEncoder {
  /** `tools`: the request's custom tools (calls stream as custom_tool_call items) and namespaced ones. */
  constructor(private readonly tools: RequestTools = NO_REQUEST_TOOLS) {}

  private seq = 0;
  private started = false;
  private ended = false;
  private ids = responseIds('');
  private model = '';
  private created = 0;
  private open: Open | undefined;
  private readonly output: Json[] = [];
  private finish: unknown = null;
  private usage: Json | undefined;
  /** The canonical content text seen so far (citations index into it). */
  private contentLength = 0;
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
    this.ended = true;
    const response = responseObject(this.ids, this.model, this.created, this.output, this.finish, this.usage);
    out += this.event(response.status === 'incomplete' ? 'response.incomplete' : 'response.completed', {
      response,
    });
    return out;
  }

  private event(type: string, data: Json): string {
    const body = { type, sequence_number: this.seq++, ...data };
    return `event: ${type}\ndata: ${JSON.stringify(body)}\n\n`;
  }

  private start(): string {
    if (this.started) return '';
    this.started = true;
    const response = responseObject(this.ids, this.model, this.created, [], null, undefined, true);
    return this.event('response.created', { response }) + this.event('response.in_progress', { response });
  }

  private onChunk(chunk: OpenAIChatChunk): string {
    const error = asObj(chunk.error);
    if (error !== undefined) {
      this.ended = true;
      return this.event('error', {
        code: asString(error.code) ?? asString(error.type) ?? 'api_error',
        message: asString(error.message) ?? 'upstream stream error',
        param: null,
      });
    }
    if (!this.started) {
      this.ids = responseIds(asString(chunk.id) ?? '');
      this.model = asString(chunk.model) ?? '';
      this.created = asCount(chunk.created) ?? 0;
    }
    let out = this.start();
    this.usage = responsesUsage(chunk.usage) ?? this.usage;
    const choices = asArray(chunk.choices);
    const choice = asObj(choices.find((c) => asObj(c)?.index === 0) ?? choices[0]);
    const delta = asObj(choice?.delta);
    const reasoning = asString(delta?.reasoning_content) ?? asString(delta?.reasoning) ?? '';
    if (reasoning !== '') out += this.reasoningDelta(reasoning);
    const blocks = asArray(delta?.[THINKING_BLOCKS]);
    if (blocks.length > 0) {
      if (this.open?.kind !== 'reasoning') out += this.openReasoning();
      if (this.open?.kind === 'reasoning') this.open.blocks.push(...blocks);
    }
    const text = asString(delta?.content) ?? '';
    if (text !== '') out += this.textDelta(text, false);
    for (const citation of urlCitationsOf(delta?.annotations)) out += this.annotation(citation);
    const refusal = asString(delta?.refusal) ?? '';
    if (text === '' && refusal !== '') out += this.textDelta(refusal, true);
    // A text part's signature signs the whole text: it is sent once the text is complete (at the finish).
    this.textSignature = googleSignatureOf(delta) ?? this.textSignature;
    asArray(delta?.tool_calls).forEach((t, position) => {
      const call = asObj(t);
      if (call !== undefined) out += this.onToolCall(call, position);
    });
    const finish = choice?.finish_reason;
    if (finish !== undefined && finish !== null) {
      this.finish = finish; // before close(): the item cut by the output limit is incomplete
      out += this.close() + this.flushTextSignature();
    }
    return out;
  }

  private item(kind: 'added' | 'done', item: Json, index: number): string {
    return this.event(`response.output_item.${kind}`, { output_index: index, item });
  }

  private openReasoning(): string {
    const out = this.close();
    this.open = { kind: 'reasoning', index: this.output.length, text: '', blocks: [] };
    return (
      out + this.item('added', { id: this.ids.reasoning, type: 'reasoning', summary: [] }, this.open.index)
    );
  }

  private reasoningDelta(text: string): string {
    let out = '';
    if (this.open?.kind !== 'reasoning') out += this.openReasoning();
    const open = this.open as Open & { kind: 'reasoning' };
    const at = { item_id: this.ids.reasoning, output_index: open.index, summary_index: 0 };
    if (open.text === '')
      out += this.event('response.reasoning_summary_part.added', {
        ...at,
        part: { type: 'summary_text', text: '' },
      });
    open.text += text;
    return out + this.event('response.reasoning_summary_text.delta', { ...at, delta: text });
  }

  /** Message text, or a refusal (its own part and events); the message's first delta sets which. */
  private textDelta(text: string, refusal: boolean): string {
    let out = '';
    const at = { item_id: this.ids.message, output_index: 0, content_index: 0 };
    if (this.open?.kind !== 'message') {
      out += this.close();
      const textStart = this.contentLength;
      this.open = {
        kind: 'message',
        index: this.output.length,
        text: '',
        refusal,
        textStart,
        annotations: [],
      };
      at.output_index = this.open.index;
      out += this.item(
        'added',
        { ...messageItem(this.ids.message, '', 'in_progress'), content: [] },
        at.output_index,
      );
      out += this.event('response.content_part.added', { ...at, part: messagePart('', refusal) });
    }
    const open = this.open;
    at.output_index = open.index;
    open.text += text;
    if (!refusal) this.contentLength += text.length;
    if (open.refusal) return out + this.event('response.refusal.delta', { ...at, delta: text });
    return out + this.event('response.output_text.delta', { ...at, delta: text, logprobs: [] });
  }

  /** A url citation of the open message's text (indices made relative to it). */
  private annotation(c: UrlCitation): string {
    const open = this.open;
    if (open?.kind !== 'message' || open.refusal || open.annotations.length >= MAX_ANNOTATIONS) return '';
    const annotation = responsesAnnotation({
      ...c,
      start: c.start - open.textStart,
      end: c.end - open.textStart,
    });
    open.annotations.push(annotation);
    return this.event('response.output_text.annotation.added', {
      item_id: this.ids.message,
      output_index: open.index,
      content_index: 0,
      annotation_index: open.annotations.length - 1,
      annotation,
    });
  }

  private onToolCall(call: Json, position: number): string {
    const key = typeof call.index === 'number' ? call.index : position;
    const fn = asObj(call.function);
    const id = asString(call.id);
    let out = '';
    if (
      this.open?.kind !== 'call' ||
      this.open.key !== key ||
      (id !== undefined && id !== this.open.callId)
    ) {
      out += this.close();
      const callId = id ?? `call_${this.output.length}`;
      const signature = googleSignatureOf(call);
      if (signature !== undefined) out += this.signature({ signature, callId });
      const name = asString(fn?.name) ?? '';
      this.open = { kind: 'call', index: this.output.length, key, callId, name, args: '' };
      out += this.item('added', callItem(callId, name, '', 'in_progress', this.tools), this.open.index);
    }
    const open = this.open;
    const args = asString(fn?.arguments) ?? '';
    if (args === '') return out;
    open.args += args;
    // A custom tool's input is a string inside the arguments: it goes out whole when the call ends.
    if (isCustomCall(this.tools, open.name)) return out;
    return (
      out +
      this.event('response.function_call_arguments.delta', {
        item_id: `fc_${open.callId}`,
        output_index: open.index,
        delta: args,
      })
    );
  }

  private flushTextSignature(): string {
    const signature = this.textSignature;
    this.textSignature = undefined;
    return signature === undefined ? '' : this.signature({ signature });
  }

  /** A Gemini thought signature: a whole reasoning item of its own, where it arrives (see signatureItem). */
  private signature(signature: GoogleSignature): string {
    const out = this.close();
    const item = signatureItem(this.ids.reasoning, this.output.length, signature);
    const index = this.output.length;
    this.output.push(item);
    return out + this.item('added', item, index) + this.item('done', item, index);
  }

  private close(): string {
    const open = this.open;
    if (open === undefined) return '';
    this.open = undefined;
    let out = '';
    let item: Json;
    switch (open.kind) {
      case 'reasoning': {
        const at = { item_id: this.ids.reasoning, output_index: open.index, summary_index: 0 };
        if (open.text !== '') {
          const part = { type: 'summary_text', text: open.text };
          out += this.event('response.reasoning_summary_text.done', { ...at, text: open.text });
          out += this.event('response.reasoning_summary_part.done', { ...at, part });
        }
        item = reasoningItem(this.ids.reasoning, open.text, open.blocks, 'completed');
        break;
      }
      case 'message': {
        const at = { item_id: this.ids.message, output_index: open.index, content_index: 0 };
        item = {
          ...messageItem(
            this.ids.message,
            open.text,
            closedItemStatus(this.finish),
            open.refusal,
            open.annotations,
          ),
          phase: messagePhase(this.finish),
        };
        out += open.refusal
          ? this.event('response.refusal.done', { ...at, refusal: open.text })
          : this.event('response.output_text.done', { ...at, text: open.text, logprobs: [] });
        out += this.event('response.content_part.done', { ...at, part: asArray(item.content)[0] });
        break;
      }
      case 'call':
        item = callItem(open.callId, open.name, open.args, closedItemStatus(this.finish), this.tools);
        if (item.type === 'custom_tool_call') {
          const at = { item_id: item.id, output_index: open.index };
          out += this.event('response.custom_tool_call_input.delta', { ...at, delta: item.input });
          out += this.event('response.custom_tool_call_input.done', { ...at, input: item.input });
          break;
        }
        out += this.event('response.function_call_arguments.done', {
          item_id: item.id,
          output_index: open.index,
          name: item.name,
          arguments: open.args,
        });
        break;
    }
    this.output.push(item);
    return out + this.item('done', item, open.index);
  }
}
