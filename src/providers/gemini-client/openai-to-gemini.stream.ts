/**
 * Canonical OpenAI chunks → a Gemini stream, in either of Google's two wire forms:
 * - `alt=sse`: one `data: {GenerateContentResponse}\r\n\r\n` event per chunk;
 * - without it: one JSON array written as it grows, `[{…}` then `\n,{…}` … and `]` at the end.
 *
 * Text and reasoning deltas go out as they come (reasoning as `thought: true` parts); a function
 * call goes out whole, once its arguments are complete (Gemini never splits one). The finish
 * reason is held until the usage chunk that follows it, so the last chunk carries both, as
 * Gemini's does. A canonical error event becomes Gemini's `{"error":{…}}` object in the stream.
 */
import type { ClientStreamEncoder, Json, OpenAIChatChunk } from '../translate/types.js';
import { asArray, asObj } from '../../json.js';
import {
  functionCallPart,
  openAIToGeminiFinishReason,
  signedThoughtPart,
  openAIToGeminiUsage,
} from './openai-to-gemini.response.js';
import { rpcStatus } from './openai-to-gemini.error.js';
import { THINKING_BLOCKS } from '../translate/reasoning.js';

interface ToolCallBuffer {
  id: string;
  name: string;
  args: string;
  extra: unknown;
}

export class OpenAIToGeminiStream implements ClientStreamEncoder {
  private started = false;
  private readonly calls = new Map<number, ToolCallBuffer>();
  private finish: string | undefined;
  private model: string | undefined;
  private id: string | undefined;
  private done = false;

  constructor(private readonly sse: boolean) {}

  private frame(obj: Json): string {
    const text = JSON.stringify(obj);
    if (this.sse) return `data: ${text}\r\n\r\n`;
    const out = this.started ? `\n,${text}` : `[${text}`;
    this.started = true;
    return out;
  }

  private response(parts: Json[], finish?: string, usage?: Json): Json {
    const cand: Json = { content: { role: 'model', parts }, index: 0 };
    if (finish !== undefined) cand.finishReason = finish;
    const out: Json = { candidates: [cand] };
    if (usage) out.usageMetadata = usage;
    if (this.model !== undefined) out.modelVersion = this.model;
    if (this.id !== undefined) out.responseId = this.id;
    return out;
  }

  private flushCalls(): Json[] {
    const parts: Json[] = [];
    for (const [, c] of [...this.calls.entries()].sort((a, b) => a[0] - b[0])) {
      const call: Json = { id: c.id, function: { name: c.name, arguments: c.args } };
      if (c.extra !== undefined) call.extra_content = c.extra;
      const part = functionCallPart(call);
      if (part) parts.push(part);
    }
    this.calls.clear();
    return parts;
  }

  private toolDelta(t: Json): void {
    const index = typeof t.index === 'number' ? t.index : 0;
    let c = this.calls.get(index);
    if (!c) {
      c = { id: '', name: '', args: '', extra: undefined };
      this.calls.set(index, c);
    }
    if (typeof t.id === 'string' && t.id !== '') c.id = t.id;
    const fn = asObj(t.function);
    if (typeof fn?.name === 'string' && fn.name !== '') c.name = fn.name;
    if (typeof fn?.arguments === 'string') c.args += fn.arguments;
    if (t.extra_content !== undefined) c.extra = t.extra_content;
  }

  private chunk(ch: OpenAIChatChunk): string {
    const err = asObj(ch.error);
    if (err) {
      this.done = true;
      const status = typeof err.status === 'number' ? err.status : 502;
      const message = typeof err.message === 'string' ? err.message : 'upstream stream failed';
      return this.frame({ error: { code: status, message, status: rpcStatus(status) } });
    }
    if (typeof ch.model === 'string' && ch.model !== '') this.model ??= ch.model;
    if (typeof ch.id === 'string' && ch.id !== '') this.id ??= ch.id;
    let out = '';
    const parts: Json[] = [];
    for (const c of asArray(ch.choices)) {
      const choice = asObj(c);
      const delta = asObj(choice?.delta);
      if (!choice || (typeof choice.index === 'number' && choice.index !== 0)) continue;
      if (typeof delta?.reasoning_content === 'string' && delta.reasoning_content !== '')
        parts.push({ text: delta.reasoning_content, thought: true });
      // A signed block arrives whole once its text is done: its signature follows as a thought part.
      const signed = signedThoughtPart('', delta?.[THINKING_BLOCKS]);
      if (signed) parts.push(signed);
      if (typeof delta?.content === 'string' && delta.content !== '') parts.push({ text: delta.content });
      for (const t of asArray(delta?.tool_calls)) if (asObj(t)) this.toolDelta(asObj(t)!);
      const finish = openAIToGeminiFinishReason(choice.finish_reason);
      if (finish !== undefined) this.finish = finish;
    }
    if (parts.length > 0) out += this.frame(this.response(parts));
    const usage = openAIToGeminiUsage(ch.usage);
    if (usage && !this.done) out += this.last(usage);
    return out;
  }

  /** The last chunk: any whole function calls, the finish reason and the usage. */
  private last(usage: Json | undefined): string {
    this.done = true;
    const parts = this.flushCalls();
    // Gemini's last chunk has a part even when all was said before it.
    return this.frame(this.response(parts.length > 0 ? parts : [{ text: '' }], this.finish ?? 'STOP', usage));
  }

  push(chunks: readonly OpenAIChatChunk[]): string {
    let out = '';
    for (const c of chunks) if (!this.done) out += this.chunk(c);
    return out;
  }

  end(): string {
    let out = '';
    if (!this.done && (this.finish !== undefined || this.calls.size > 0)) out += this.last(undefined);
    if (this.sse) return out;
    return out + (this.started ? '\n]' : '[]');
  }
}
