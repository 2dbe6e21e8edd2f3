/**
 * The request shapes the gateway bench sends (shared by run-all.ts and loadgen.ts).
 *
 * Bodies are deterministic: a seeded word generator rather than one repeated paragraph, so the
 * ext_proc server's tokenizer does not see the same few words over and over.
 */

export type WorkloadName = 'chat-1k' | 'chat-100k' | 'stream-200';

export interface Workload {
  readonly name: WorkloadName;
  readonly title: string;
  readonly path: string;
  readonly body: Buffer;
  readonly headers: Record<string, string>;
  /** SSE events the client must see in each response (streaming workloads only). */
  readonly expectedEvents?: number;
}

export const CHAT_PATH = '/v1/chat/completions';
export const REQUEST_1K_BYTES = 1024;
export const REQUEST_100K_BYTES = 100 * 1024;
/** Target size of the non-streaming JSON answer. */
export const RESPONSE_1K_BYTES = 1024;
/** SSE events in the streaming answer, counting the role chunk, the finish chunk, the usage chunk and [DONE]. */
export const STREAM_EVENTS = 200;
/**
 * The mock's OpenAI stream is: a role chunk, one chunk per word of the text (streamPieces), a finish
 * chunk, a usage chunk (stream_options.include_usage) and `data: [DONE]`.
 */
export const STREAM_FIXED_EVENTS = 4;

const WORDS = (
  'the of and to in a is that for it as was with be by on not this are or from at which but have an ' +
  'they you were there been one all we their has would when if so no will more can who them about what ' +
  'other out up into do time only could new some these two may first then its also any my now such like ' +
  'our over even most made after well gateway token request response upstream provider latency ' +
  'throughput streaming envoy policy kubernetes deployment configuration authentication observability ' +
  'metrics customer drill battery warranty torque weight shipping invoice refund order catalogue ' +
  'summary paragraph explain compare recommend budget schedule meeting report quarterly revenue'
).split(' ');

/** Deterministic English-like prose of exactly `bytes` ASCII bytes (no JSON escaping needed). */
export function prose(bytes: number, seed = 0x2545f491): string {
  let s = seed >>> 0;
  const next = (): number => {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  const parts: string[] = [];
  let len = 0;
  let sentence = 0;
  while (len < bytes) {
    let w = WORDS[next() % WORDS.length] ?? 'word';
    if (sentence === 0) w = w.charAt(0).toUpperCase() + w.slice(1);
    sentence++;
    if (next() % 23 === 0) w += ` ${next() % 10000}`;
    const end = sentence > 8 && next() % 5 === 0;
    if (end) sentence = 0;
    const piece = `${w}${end ? '.' : next() % 11 === 0 ? ',' : ''} `;
    parts.push(piece);
    len += piece.length;
  }
  return parts.join('').slice(0, bytes);
}

/** `count` words separated by single spaces: the mock streams one event per word. */
export function wordsText(count: number): string {
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(WORDS[(i * 7) % WORDS.length] ?? 'word');
  return out.join(' ');
}

/** Text of exactly `bytes` ASCII bytes (words and spaces) for x-mock-text. */
export function textOfBytes(bytes: number): string {
  return prose(bytes, 0x1234567).trimEnd().padEnd(bytes, '.');
}

interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** An OpenAI chat request whose JSON encoding is exactly `bytes` bytes. */
export function chatBody(bytes: number, opts: { stream?: boolean } = {}): Buffer {
  const base: Record<string, unknown> = {
    model: 'gpt-4o-mini',
    messages: [] as ChatMessage[],
    max_tokens: 512,
  };
  if (opts.stream === true) {
    base['stream'] = true;
    base['stream_options'] = { include_usage: true };
  }
  const messages: ChatMessage[] = [
    { role: 'system', content: 'You are a helpful assistant for an online hardware store. Answer briefly.' },
  ];
  // Long prompts are a conversation of ~2 KiB turns, like a chat history.
  const TURN = 2048;
  let seed = 1;
  const size = (): number => Buffer.byteLength(JSON.stringify({ ...base, messages }));
  for (;;) {
    const room = bytes - size() - JSON.stringify({ role: 'assistant', content: '' }).length - 1;
    if (room <= TURN + 200) break;
    const role = messages.length % 2 === 1 ? 'user' : 'assistant';
    messages.push({ role, content: prose(TURN, seed++) });
  }
  const last: ChatMessage = { role: 'user', content: '' };
  messages.push(last);
  const room = bytes - size();
  if (room < 0) throw new Error(`chat body cannot be ${bytes} bytes`);
  last.content = prose(room, 0xabcdef + seed);
  const out = Buffer.from(JSON.stringify({ ...base, messages }));
  if (out.length !== bytes) throw new Error(`chat body is ${out.length} bytes, wanted ${bytes}`);
  return out;
}

const COMMON_HEADERS = {
  'content-type': 'application/json',
  authorization: 'Bearer sk-bench-not-a-real-key',
};

/**
 * The three workloads. `responseText` is the x-mock-text that makes the mock's non-streaming answer
 * ~RESPONSE_1K_BYTES long (run-all calibrates it against the running mock).
 */
export function workloads(responseText: string): Workload[] {
  const streamWords = STREAM_EVENTS - STREAM_FIXED_EVENTS;
  return [
    {
      name: 'chat-1k',
      title: '1 KiB request → ~1 KiB JSON answer',
      path: CHAT_PATH,
      body: chatBody(REQUEST_1K_BYTES),
      headers: { ...COMMON_HEADERS, 'x-mock-text': responseText },
    },
    {
      name: 'chat-100k',
      title: '100 KiB request → ~1 KiB JSON answer',
      path: CHAT_PATH,
      body: chatBody(REQUEST_100K_BYTES),
      headers: { ...COMMON_HEADERS, 'x-mock-text': responseText },
    },
    {
      name: 'stream-200',
      title: `1 KiB request → SSE answer of ${STREAM_EVENTS} events`,
      path: CHAT_PATH,
      body: chatBody(REQUEST_1K_BYTES, { stream: true }),
      headers: { ...COMMON_HEADERS, 'x-mock-text': wordsText(streamWords) },
      expectedEvents: STREAM_EVENTS,
    },
  ];
}
