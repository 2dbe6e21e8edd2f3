/**
 * The usage formula of the mock provider: how many tokens it reports for a prompt and for an answer, and how
 * answers are cut into streamed pieces.
 */
import type { LlmRoute, MockToolCall } from './types.js';
import { isObject, toBuffer, tryParseJson } from './util.js';

// Usage formula
//
//   tokens(s)         = ceil(utf8ByteLength(s) / 4)
//   promptTokens      = tokens(all prompt text concatenated, no separators), where the prompt text is
//                         OpenAI:    every messages[].content string, and every `text` of content parts of type "text"
//                         Anthropic: `system` (string, or `text` of its blocks) + messages[].content likewise
//                         Gemini:    systemInstruction.parts[].text + contents[].parts[].text
//                       If the body is not a JSON object: ceil(rawBodyByteLength / 4).
//   completionTokens  = text answer:  sum over choices i of tokens(texts[i])
//                       tool call:    n * tokens(toolName + argumentsJson)
//                       + tokens(MOCK_THINKING) for an Anthropic request with thinking on
//   totalTokens       = promptTokens + completionTokens
//   cachedTokens      = x-mock-cached-tokens header, default 0 (reported only, never added).
//   choice texts      = texts[0] = x-mock-text-b64 | x-mock-text | fixture text; texts[i>0] = `Choice ${i}: ` + texts[0]
//                       each cut to max_completion_tokens | max_tokens tokens when the request names one
//
// Gemini streams report cumulative usage in every chunk: candidatesTokenCount = tokens(text streamed so far).
// Anthropic streams report output_tokens: 1 in message_start and the final completionTokens in message_delta.

export const BYTES_PER_TOKEN = 4;

export function tokensFor(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / BYTES_PER_TOKEN);
}

export function completionTokensFor(text: string): number {
  return tokensFor(text);
}

export function toolCallTokensFor(call: MockToolCall): number {
  return tokensFor(call.name + call.argumentsJson);
}

/** The request's output cap: max_completion_tokens, else max_tokens (a positive integer). */
export function maxTokensOf(json: Record<string, unknown> | undefined): number | undefined {
  for (const f of ['max_completion_tokens', 'max_tokens']) {
    const v = json?.[f];
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
  }
  return undefined;
}

/** A text cut so that it is at most `cap` tokens (whole characters), as a provider honours max_tokens. */
export function capText(text: string, cap: number | undefined): string {
  if (cap === undefined || tokensFor(text) <= cap) return text;
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch, 'utf8') > cap * BYTES_PER_TOKEN) break;
    out += ch;
  }
  return out;
}

/** The text of choice `index` given the base (choice 0) text. */
export function choiceText(base: string, index: number): string {
  return index === 0 ? base : `Choice ${index}: ${base}`;
}

/**
 * How a text is cut into streamed content deltas: one word plus its trailing whitespace per delta
 * (leading whitespace goes with the first word). Empty text → no deltas.
 */
export function streamPieces(text: string): string[] {
  if (text === '') return [];
  const pieces = text.match(/\s*\S+\s*/g);
  return pieces ?? [text];
}

/** How tool-call argument JSON is cut into streamed deltas. */
export const TOOL_ARGS_PIECE_CHARS = 10;

export function toolArgPieces(argumentsJson: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < argumentsJson.length; i += TOOL_ARGS_PIECE_CHARS) {
    out.push(argumentsJson.slice(i, i + TOOL_ARGS_PIECE_CHARS));
  }
  return out;
}

/** Prompt tokens the mock reports for a request body on a route. */
export function promptTokensFor(route: LlmRoute, body: Buffer | string | object): number {
  const raw = toBuffer(body);
  const json = tryParseJson(raw);
  if (!isObject(json.value)) return Math.ceil(raw.length / BYTES_PER_TOKEN);
  return tokensFor(promptTexts(route, json.value).join(''));
}

/** Text pieces that make up the prompt, per the usage formula. */
export function promptTexts(route: LlmRoute, json: Record<string, unknown>): string[] {
  const out: string[] = [];
  const addContent = (content: unknown): void => {
    if (typeof content === 'string') out.push(content);
    else if (Array.isArray(content)) {
      for (const part of content) {
        if (isObject(part) && part['type'] === 'text' && typeof part['text'] === 'string')
          out.push(part['text']);
      }
    }
  };
  const addParts = (holder: unknown): void => {
    if (!isObject(holder) || !Array.isArray(holder['parts'])) return;
    for (const part of holder['parts']) {
      if (isObject(part) && typeof part['text'] === 'string') out.push(part['text']);
    }
  };
  switch (route) {
    case 'openai':
    case 'anthropic':
      if (route === 'anthropic') addContent(json['system']);
      if (Array.isArray(json['messages'])) {
        for (const m of json['messages']) if (isObject(m)) addContent(m['content']);
      }
      break;
    case 'gemini':
      addParts(json['systemInstruction'] ?? json['system_instruction']);
      if (Array.isArray(json['contents'])) for (const c of json['contents']) addParts(c);
      break;
  }
  return out;
}
