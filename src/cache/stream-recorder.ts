/**
 * Records a streamed answer as the client received it (the events after the response guards) into
 * the cache's Answer. Only a stream that completed is an answer: an OpenAI stream with one
 * choice and a finish reason, an Anthropic one up to message_stop. Past MAX_ANSWER_CHARS the
 * recorder gives up (nothing is stored) and stops holding text.
 */
import type { StreamEvent } from '../streaming/stream-event.js';
import { MAX_ANSWER_CHARS } from './answer.js';
import type { Answer, ToolCall } from './answer.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);

interface PartialCall {
  id: string;
  name: string;
  arguments: string;
}

export class StreamRecorder {
  private text = '';
  private readonly calls: PartialCall[] = [];
  private finish: string | undefined;
  private model = '';
  private promptTokens = 0;
  private completionTokens = 0;
  private usage: Json | undefined;
  private done = false;
  private failed = false;
  private size = 0;

  constructor(private readonly family: string) {}

  push(events: readonly StreamEvent[]): void {
    if (this.failed) return;
    for (const ev of events) {
      if (this.family === 'anthropic') this.anthropic(ev);
      else this.openai(ev);
      if (this.size > MAX_ANSWER_CHARS) {
        this.failed = true;
        this.text = '';
        this.calls.length = 0;
        return;
      }
    }
  }

  /** The recorded answer, when the stream completed with an answer the cache may keep. */
  answer(): Answer | undefined {
    if (this.failed) return undefined;
    const complete = this.family === 'anthropic' ? this.done : this.finish !== undefined;
    if (!complete) return undefined;
    const finish =
      this.finish === 'stop' || this.finish === 'end_turn'
        ? 'stop'
        : this.finish === 'tool_calls' || this.finish === 'tool_use'
          ? 'tool_calls'
          : undefined;
    if (!finish) return undefined;
    const toolCalls: ToolCall[] = this.calls.map((c) => ({ ...c }));
    return {
      text: this.text,
      toolCalls,
      finish,
      model: this.model,
      promptTokens: this.promptTokens,
      completionTokens: this.completionTokens,
      ...(this.usage ? { usage: this.usage } : {}),
    };
  }

  private json(ev: StreamEvent): Json | undefined {
    if (ev.json) return ev.json;
    if (!ev.data || ev.data === '[DONE]') return undefined;
    try {
      const v: unknown = JSON.parse(ev.data);
      return isObj(v) ? v : undefined;
    } catch {
      return undefined;
    }
  }

  private openai(ev: StreamEvent): void {
    const c = this.json(ev);
    if (!c) return;
    if (typeof c.model === 'string' && c.model) this.model = c.model;
    if (isObj(c.usage)) {
      this.promptTokens = num(c.usage.prompt_tokens);
      this.completionTokens = num(c.usage.completion_tokens);
      this.usage = c.usage;
    }
    if (!Array.isArray(c.choices)) return;
    for (const ch of c.choices as unknown[]) {
      if (!isObj(ch)) continue;
      if (ch.index !== undefined && ch.index !== 0) return void (this.failed = true); // n > 1
      const d = isObj(ch.delta) ? ch.delta : {};
      if (d.refusal || d.reasoning_content || d.reasoning) return void (this.failed = true);
      if (typeof d.content === 'string') {
        this.text += d.content;
        this.size += d.content.length;
      }
      if (Array.isArray(d.tool_calls))
        for (const t of d.tool_calls as unknown[]) {
          if (!isObj(t)) continue;
          const i = typeof t.index === 'number' ? t.index : this.calls.length;
          if (i < 0 || i > 127) return void (this.failed = true);
          const call = (this.calls[i] ??= { id: '', name: '', arguments: '' });
          if (typeof t.id === 'string') call.id = t.id;
          const f = isObj(t.function) ? t.function : {};
          if (typeof f.name === 'string') call.name += f.name;
          if (typeof f.arguments === 'string') {
            call.arguments += f.arguments;
            this.size += f.arguments.length;
          }
        }
      if (typeof ch.finish_reason === 'string') this.finish = ch.finish_reason;
    }
  }

  private anthropic(ev: StreamEvent): void {
    const e = this.json(ev);
    if (!e) return;
    switch (e.type) {
      case 'message_start': {
        const m = isObj(e.message) ? e.message : {};
        if (typeof m.model === 'string') this.model = m.model;
        const u = isObj(m.usage) ? m.usage : {};
        this.promptTokens =
          num(u.input_tokens) + num(u.cache_read_input_tokens) + num(u.cache_creation_input_tokens);
        break;
      }
      case 'content_block_start': {
        const b = isObj(e.content_block) ? e.content_block : {};
        if (b.type === 'tool_use' && typeof b.id === 'string' && typeof b.name === 'string')
          this.calls.push({ id: b.id, name: b.name, arguments: '' });
        else if (b.type !== 'text') this.failed = true; // thinking and the like: not rendered back
        break;
      }
      case 'content_block_delta': {
        const d = isObj(e.delta) ? e.delta : {};
        if (d.type === 'text_delta' && typeof d.text === 'string') {
          this.text += d.text;
          this.size += d.text.length;
        } else if (d.type === 'input_json_delta' && typeof d.partial_json === 'string') {
          const call = this.calls[this.calls.length - 1];
          if (!call) return void (this.failed = true);
          call.arguments += d.partial_json;
          this.size += d.partial_json.length;
        } else this.failed = true;
        break;
      }
      case 'message_delta': {
        const d = isObj(e.delta) ? e.delta : {};
        if (typeof d.stop_reason === 'string') this.finish = d.stop_reason;
        const u = isObj(e.usage) ? e.usage : {};
        if (u.output_tokens !== undefined) this.completionTokens = num(u.output_tokens);
        break;
      }
      case 'message_stop':
        this.done = true;
        break;
      case 'error':
        this.failed = true;
        break;
      default:
        break;
    }
    // An Anthropic tool call with no arguments streams none: its input is {}.
    if (this.done) for (const c of this.calls) if (c.arguments === '') c.arguments = '{}';
  }
}
