/**
 * Usage, response model, finish reasons and the tool-call flag of provider responses, non-streaming
 * (parsed JSON body) and streaming (SSE events). Pure: plain data in, plain data out, never throws.
 */
import type { SseEvent } from '../../streaming/sse-decoder.js';
import { AnthropicStreamFacts, anthropicResponseFacts } from './anthropic.js';
import { GeminiFacts, geminiResponseFacts } from './gemini.js';
import { asObj } from '../../json.js';
import type { EventResult } from './openai.js';
import { OpenAIStreamFacts, openAIResponseFacts } from './openai.js';
import type { ResponseFacts } from './types.js';
import { providerFamily } from './types.js';

export type { ProviderFamily, ResponseFacts, Usage } from './types.js';
export { providerFamily } from './types.js';
export { openAIUsage } from './openai.js';
export { anthropicUsage } from './anthropic.js';
export { geminiUsage } from './gemini.js';

/** Facts of a parsed non-streaming JSON body. Error bodies and unexpected shapes give no usage. */
export function parseResponseFacts(provider: string, body: unknown): ResponseFacts {
  const family = providerFamily(provider);
  if (family === 'gemini' && Array.isArray(body)) return geminiResponseFacts(body);
  const obj = asObj(body);
  if (obj === undefined) return { finishReasons: [], isToolCall: false };
  switch (family) {
    case 'anthropic':
      return anthropicResponseFacts(obj);
    case 'gemini':
      return geminiResponseFacts(obj);
    case 'openai':
      return openAIResponseFacts(obj);
  }
}

interface StreamParser {
  onEvent(ev: SseEvent): EventResult;
  readonly facts: ResponseFacts;
  readonly done: boolean;
}

/**
 * Accumulates facts over a provider's SSE events (as produced by SseDecoder). Each event's JSON is parsed
 * at most once; events that cannot change the facts may be skipped by a cheap pre-check without parsing.
 * Invalid JSON is counted in {@link invalidEvents}, never thrown.
 */
export class StreamFactsAccumulator {
  private readonly parser: StreamParser;
  private invalid = 0;

  constructor(provider: string) {
    const family = providerFamily(provider);
    switch (family) {
      case 'anthropic':
        this.parser = new AnthropicStreamFacts();
        break;
      case 'gemini':
        this.parser = new GeminiFacts();
        break;
      case 'openai':
        this.parser = new OpenAIStreamFacts();
        break;
    }
  }

  onEvent(ev: SseEvent): void {
    if (this.parser.onEvent(ev) === 'invalid') this.invalid++;
  }

  /** A snapshot of the facts so far (a fresh object on each read). */
  get facts(): ResponseFacts {
    return this.parser.facts;
  }

  /** The provider signalled the end of the stream ([DONE], message_stop, or a Gemini finishReason). */
  get done(): boolean {
    return this.parser.done;
  }

  /** Events whose data was not a JSON object (among those that were parsed). */
  get invalidEvents(): number {
    return this.invalid;
  }
}
