/**
 * Gemini `contents` + `systemInstruction` (a client's request) → canonical OpenAI `messages`.
 *
 * - `systemInstruction.parts[].text` → one system message;
 * - role `user` (or none) → user; role `model` → assistant;
 * - text → text; `inlineData` → a data URL (images as image_url, audio as input_audio, other files as
 *   file parts); `fileData.fileUri` → image_url / file by its MIME type;
 * - model `functionCall` parts → `tool_calls` (the Gemini `id`, else `call_<n>`); a `thoughtSignature`
 *   rides on the call as `extra_content.google.thought_signature` (what the Gemini upstream restores);
 * - user `functionResponse` parts → `tool` messages, matched to the earliest unanswered call of that
 *   name (or its `id`), content the JSON of `response`;
 * - `thought: true` parts of the history are the model's own summaries: not sent back (dropped and
 *   listed), as Gemini itself ignores them; except that a thought part's `thoughtSignature` holding
 *   our carrier (another provider's signed thinking, ../translate/thinking-carrier.ts) goes back as
 *   the turn's `thinking_blocks`, which Claude needs on the next tool turn.
 */
import type { Json } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import { asArray, asObj } from '../../json.js';
import type { ThinkingBlock } from '../translate/reasoning.js';
import { THINKING_BLOCKS } from '../translate/reasoning.js';
import { decodeCarrier } from '../translate/thinking-carrier.js';

const bad = (message: string): TranslationError => new TranslationError(400, message);

interface PendingCall {
  readonly id: string;
  readonly name: string;
}

function dataUrl(mime: string, data: string): string {
  return `data:${mime};base64,${data}`;
}

const AUDIO_FORMAT: Readonly<Record<string, string>> = {
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/mp3': 'mp3',
  'audio/mpeg': 'mp3',
};

/** One user part that is not a function response → an OpenAI content part. */
function mediaPart(part: Json, where: string): Json | undefined {
  const inline = asObj(part.inlineData);
  if (inline) {
    const mime = typeof inline.mimeType === 'string' ? inline.mimeType.toLowerCase() : '';
    const data = inline.data;
    if (mime === '' || typeof data !== 'string') throw bad(`${where}.inlineData needs mimeType and data`);
    if (mime.startsWith('image/')) return { type: 'image_url', image_url: { url: dataUrl(mime, data) } };
    const format = AUDIO_FORMAT[mime];
    if (format) return { type: 'input_audio', input_audio: { data, format } };
    return { type: 'file', file: { file_data: dataUrl(mime, data) } };
  }
  const file = asObj(part.fileData);
  if (file) {
    const uri = file.fileUri;
    if (typeof uri !== 'string' || uri === '') throw bad(`${where}.fileData.fileUri must be a string`);
    const mime = typeof file.mimeType === 'string' ? file.mimeType.toLowerCase() : '';
    return mime.startsWith('image/')
      ? { type: 'image_url', image_url: { url: uri } }
      : { type: 'file', file: { file_id: uri } };
  }
  return undefined;
}

class MessagesBuilder {
  readonly messages: Json[] = [];
  private readonly pending: PendingCall[] = [];
  private calls = 0;

  constructor(private readonly dropped: Set<string>) {}

  system(v: unknown): void {
    if (v === undefined || v === null) return;
    if (typeof v === 'string') {
      if (v !== '') this.messages.push({ role: 'system', content: v });
      return;
    }
    const si = asObj(v);
    if (!si) throw bad('systemInstruction must be an object');
    const text = asArray(si.parts)
      .map((p) => asObj(p)?.text)
      .filter((t): t is string => typeof t === 'string')
      .join('\n');
    if (text !== '') this.messages.push({ role: 'system', content: text });
  }

  add(c: unknown, i: number): void {
    const where = `contents[${i}]`;
    const content = asObj(c);
    if (!content) throw bad(`${where} must be an object`);
    const parts = content.parts;
    if (!Array.isArray(parts)) throw bad(`${where}.parts must be an array`);
    const role = content.role ?? 'user';
    if (role === 'model') this.model(parts, where);
    else if (role === 'user' || role === 'function') this.user(parts, where);
    else throw bad(`${where}.role must be user or model`);
  }

  private model(parts: readonly unknown[], where: string): void {
    let text = '';
    const toolCalls: Json[] = [];
    const thinking: ThinkingBlock[] = [];
    parts.forEach((p, k) => {
      const part = asObj(p);
      if (!part) throw bad(`${where}.parts[${k}] must be an object`);
      const fc = asObj(part.functionCall);
      if (fc) {
        if (typeof fc.name !== 'string' || fc.name === '')
          throw bad(`${where}.parts[${k}].functionCall.name is required`);
        const id = typeof fc.id === 'string' && fc.id !== '' ? fc.id : `call_${this.calls}`;
        this.calls++;
        const call: Json = {
          id,
          type: 'function',
          function: { name: fc.name, arguments: JSON.stringify(asObj(fc.args) ?? {}) },
        };
        if (typeof part.thoughtSignature === 'string' && part.thoughtSignature !== '')
          call.extra_content = { google: { thought_signature: part.thoughtSignature } };
        toolCalls.push(call);
        this.pending.push({ id, name: fc.name });
        return;
      }
      if (part.thought === true) {
        const carried = decodeCarrier(part.thoughtSignature, `${where}.parts[${k}].thoughtSignature`);
        if (carried.length > 0) thinking.push(...carried);
        else this.dropped.add('contents[].parts.thought');
        return;
      }
      if (typeof part.text === 'string') text += part.text;
      else this.dropped.add('contents[].parts');
    });
    if (text === '' && toolCalls.length === 0) return;
    const msg: Json = { role: 'assistant', content: text === '' ? null : text };
    if (toolCalls.length > 0) msg.tool_calls = toolCalls;
    if (thinking.length > 0) msg[THINKING_BLOCKS] = thinking;
    this.messages.push(msg);
  }

  private user(parts: readonly unknown[], where: string): void {
    const content: Json[] = [];
    parts.forEach((p, k) => {
      const w = `${where}.parts[${k}]`;
      const part = asObj(p);
      if (!part) throw bad(`${w} must be an object`);
      const fr = asObj(part.functionResponse);
      if (fr) {
        this.toolResult(fr, w);
        return;
      }
      if (typeof part.text === 'string') {
        if (part.text !== '') content.push({ type: 'text', text: part.text });
        return;
      }
      const media = mediaPart(part, w);
      if (media) content.push(media);
      else this.dropped.add('contents[].parts');
    });
    if (content.length === 0) return;
    const only = content.length === 1 ? content[0] : undefined;
    this.messages.push({ role: 'user', content: only?.type === 'text' ? only.text : content });
  }

  private toolResult(fr: Json, where: string): void {
    if (typeof fr.name !== 'string' || fr.name === '')
      throw bad(`${where}.functionResponse.name is required`);
    const byId = typeof fr.id === 'string' ? this.pending.findIndex((c) => c.id === fr.id) : -1;
    const at = byId >= 0 ? byId : this.pending.findIndex((c) => c.name === fr.name);
    if (at < 0)
      throw bad(`${where}.functionResponse ${JSON.stringify(fr.name)} answers no earlier functionCall`);
    const [call] = this.pending.splice(at, 1);
    this.messages.push({ role: 'tool', tool_call_id: call!.id, content: JSON.stringify(fr.response ?? {}) });
  }
}

/** The canonical messages of a Gemini request; what cannot be carried is added to `dropped`. */
export function geminiToOpenAIMessages(body: Json, dropped: Set<string>): Json[] {
  const contents = body.contents;
  if (!Array.isArray(contents)) throw bad('contents must be an array');
  const b = new MessagesBuilder(dropped);
  b.system(body.systemInstruction ?? body.system_instruction);
  contents.forEach((c, i) => b.add(c, i));
  return b.messages;
}
