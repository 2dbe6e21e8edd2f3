/**
 * Gemini / Vertex AI streamGenerateContent → OpenAI chat.completion.chunk objects.
 *
 * Framing is sniffed from the first non-whitespace byte: `[` → a JSON array of responses (no `alt=sse`),
 * `{` → concatenated / newline-delimited responses, anything else → SSE (`\n\n` or `\r\n\r\n` framings;
 * each `data:` is one GenerateContentResponse).
 *
 * Per response, per candidate: a role chunk when the candidate first appears, then one chunk per run of
 * text (`content`) or thought text (`reasoning_content`), one chunk per functionCall (a complete tool call
 * delta: id, name and all arguments), one chunk per text-part `thoughtSignature` (`extra_content`, see
 * ./gemini-to-openai.parts.ts), and a finish chunk when finishReason arrives. usageMetadata is
 * cumulative, so it is remembered and emitted ONCE by end() as a usage-only chunk (`choices: []`) with the
 * last values. Errors (an `{error:…}` event, malformed JSON) are thrown by the next push()/end() call; the
 * chunks decoded before them are still returned.
 */
import { SseDecoder } from '../../streaming/sse-decoder.js';
import type {
  Json,
  OpenAIChatChunk,
  ProviderStreamDecoder,
  TranslationError,
  UpstreamTarget,
} from '../translate/types.js';
import { asArray, asObj, isJsonSpace, itemIndex, nonEmptyString, tryParseJson } from '../../json.js';
import {
  DeferredErrorDecoder,
  MAX_STREAM_EVENT_BYTES,
  malformedStream,
} from '../openai/openai-compat-to-openai.stream.js';
import { geminiStreamError } from './gemini-to-openai.error.js';
import { JsonElementSplitter, JsonSyntaxError } from './json-elements.js';
import { geminiToOpenAIFinishReason } from './gemini-to-openai.finish-reason.js';
import { geminiToOpenAIUsage } from './gemini-to-openai.usage.js';
import type { Piece } from './gemini-to-openai.parts.js';
import { ToolCallIds, geminiToOpenAIParts, signatureCarrier } from './gemini-to-openai.parts.js';
import type { ResponseMeta } from './gemini-to-openai.response.js';
import { responseMeta } from './gemini-to-openai.response.js';

interface CandidateState {
  toolCalls: number;
  finished: boolean;
}

const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;

class GeminiStreamDecoder extends DeferredErrorDecoder {
  private framing: SseDecoder | JsonElementSplitter | undefined;
  /** Whitespace seen before the framing is known. */
  private held: Uint8Array[] = [];
  private meta: ResponseMeta | undefined;
  private usage: Json | undefined;
  private readonly candidates = new Map<number, CandidateState>();
  private readonly ids = new ToolCallIds();

  constructor(private readonly target: UpstreamTarget) {
    super();
  }

  protected decode(bytes: Uint8Array, out: OpenAIChatChunk[]): void {
    let buf = bytes;
    if (this.framing === undefined) {
      let i = 0;
      while (i < buf.length && isJsonSpace(buf[i] as number)) i++;
      if (i === buf.length) {
        if (buf.length > 0) this.held.push(Uint8Array.prototype.slice.call(buf));
        return;
      }
      const first = buf[i] as number;
      this.framing =
        first === OPEN_BRACKET
          ? new JsonElementSplitter('array', MAX_STREAM_EVENT_BYTES)
          : first === OPEN_BRACE
            ? new JsonElementSplitter('objects', MAX_STREAM_EVENT_BYTES)
            : new SseDecoder({ maxEventBytes: MAX_STREAM_EVENT_BYTES });
      if (this.held.length > 0) buf = Buffer.concat([...this.held, buf]);
      this.held = [];
    }
    this.feed(this.framing.push(buf), out);
  }

  protected override framingError(e: unknown): TranslationError | undefined {
    return e instanceof JsonSyntaxError ? malformedStream(e.message) : super.framingError(e);
  }

  protected finish(out: OpenAIChatChunk[]): void {
    const f = this.framing;
    if (f instanceof SseDecoder) this.feed(f.end(), out);
    else f?.end();
    if (this.usage !== undefined) out.push({ ...this.base(), choices: [], usage: this.usage });
  }

  private feed(items: ReadonlyArray<string | { data: string }>, out: OpenAIChatChunk[]): void {
    for (const item of items) {
      const text = typeof item === 'string' ? item : item.data;
      if (text.trim() === '' || text.trim() === '[DONE]') continue;
      const obj = asObj(tryParseJson(text));
      if (obj === undefined) throw malformedStream('an event is not a JSON object');
      this.onResponse(obj, out);
    }
  }

  private base(): Json {
    const m = this.meta as ResponseMeta;
    return { id: m.id, object: 'chat.completion.chunk', created: m.created, model: m.model };
  }

  private chunk(index: number, delta: Json, finish: string | null = null): Json {
    return { ...this.base(), choices: [{ index, delta, finish_reason: finish }] };
  }

  private candidate(index: number, out: OpenAIChatChunk[]): CandidateState {
    let st = this.candidates.get(index);
    if (st === undefined) {
      st = { toolCalls: 0, finished: false };
      this.candidates.set(index, st);
      out.push(this.chunk(index, { role: 'assistant', content: '' }));
    }
    return st;
  }

  private onResponse(resp: Json, out: OpenAIChatChunk[]): void {
    if (resp.error !== undefined && resp.error !== null) throw geminiStreamError(resp.error);
    this.meta ??= responseMeta(resp, this.target);
    this.usage = geminiToOpenAIUsage(resp.usageMetadata) ?? this.usage;
    const candidates = asArray(resp.candidates);
    candidates.forEach((c, pos) => {
      const cand = asObj(c);
      if (cand !== undefined) this.onCandidate(cand, pos, out);
    });
    if (candidates.length === 0 && asObj(resp.promptFeedback)?.blockReason !== undefined) {
      const st = this.candidate(0, out);
      if (!st.finished) {
        st.finished = true;
        out.push(this.chunk(0, {}, 'content_filter'));
      }
    }
  }

  private onCandidate(cand: Json, pos: number, out: OpenAIChatChunk[]): void {
    const index = itemIndex(cand, pos);
    const st = this.candidate(index, out);
    for (const piece of geminiToOpenAIParts(cand, this.ids)) out.push(this.pieceChunk(index, st, piece));
    const reason = nonEmptyString(cand.finishReason);
    if (reason !== undefined && !st.finished) {
      st.finished = true;
      out.push(this.chunk(index, {}, geminiToOpenAIFinishReason(reason, st.toolCalls > 0)));
    }
  }

  private pieceChunk(index: number, st: CandidateState, piece: Piece): Json {
    switch (piece.kind) {
      case 'content':
        return this.chunk(index, { content: piece.text });
      case 'reasoning':
        return this.chunk(index, { reasoning_content: piece.text });
      case 'tool':
        return this.chunk(index, { tool_calls: [{ index: st.toolCalls++, ...piece.call }] });
      case 'signature':
        return this.chunk(index, { extra_content: signatureCarrier(piece.signature) });
    }
  }
}

/** A new decoder for one Gemini / Vertex AI response stream. */
export function geminiToOpenAIStream(target: UpstreamTarget): ProviderStreamDecoder {
  return new GeminiStreamDecoder(target);
}
