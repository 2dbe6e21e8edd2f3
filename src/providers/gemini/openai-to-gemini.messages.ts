/**
 * OpenAI `messages` → Gemini `contents` + `systemInstruction`.
 *
 * - system / developer messages (anywhere) → `systemInstruction.parts[].text`, in order;
 * - user → role `user`; assistant → role `model`;
 * - assistant `tool_calls` → `functionCall {name, args}` parts (a `thoughtSignature` is restored from the
 *   tool call's `extra_content.google.thought_signature`, the convention of Google's OpenAI-compatible API);
 * - the message's own `extra_content.google.thought_signature` (a text part's signature, see
 *   gemini-to-openai.parts.ts) goes back on its text part, or on an empty text part when it has no text;
 * - consecutive `tool` messages → ONE `user` turn of `functionResponse {name, response}` parts, the name
 *   taken from the matching assistant tool call (or the message's own `name`); `response` is the content
 *   parsed as a JSON object, else `{content: <text>}`;
 * - the legacy `function_call` / `function` role are handled the same way;
 * - empty text parts are skipped, and a message left without parts is skipped.
 */
import type { Json } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import { asObj, isObj, tryParseJson } from '../../json.js';
import { audioPart, guessMimeType, urlPart } from './media.js';
import { googleSignatureOf } from '../translate/google-signatures.js';

export interface GeminiContents {
  readonly contents: Json[];
  readonly systemInstruction?: Json;
}

const bad = (message: string): TranslationError => new TranslationError(400, message);

/** Text of a string or an array of text/refusal parts (system and tool messages, assistant content). */
function plainText(content: unknown, where: string): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw bad(`${where}.content must be a string or an array`);
  let out = '';
  content.forEach((p, i) => {
    const part = asObj(p);
    if (part === undefined) throw bad(`${where}.content[${i}] must be an object`);
    if (part.type === 'text' && typeof part.text === 'string') out += part.text;
    else if (part.type === 'refusal' && typeof part.refusal === 'string') out += part.refusal;
    else throw bad(`${where}.content[${i}]: only text parts are accepted here`);
  });
  return out;
}

function filePart(file: Json, where: string): Json {
  const filename = typeof file.filename === 'string' ? file.filename : '';
  const fallback =
    filename === '' ? 'application/pdf' : guessMimeType(`file:///${filename}`, 'application/pdf');
  if (typeof file.file_data === 'string' && file.file_data !== '') {
    const d = file.file_data;
    return d.startsWith('data:') ? urlPart(d, fallback) : { inlineData: { mimeType: fallback, data: d } };
  }
  if (typeof file.file_id === 'string' && /^(https?|gs):\/\//i.test(file.file_id)) {
    return urlPart(file.file_id, fallback);
  }
  throw bad(`${where}: file parts need file_data (or a gs:// / https:// file_id)`);
}

/** One OpenAI user content part → a Gemini part (undefined for empty text). */
function userPart(p: unknown, where: string): Json | undefined {
  const part = asObj(p);
  if (part === undefined) throw bad(`${where} must be an object`);
  switch (part.type) {
    case 'text':
      if (typeof part.text !== 'string') throw bad(`${where}.text must be a string`);
      return part.text === '' ? undefined : { text: part.text };
    case 'image_url': {
      const iu = part.image_url;
      const url = typeof iu === 'string' ? iu : asObj(iu)?.url;
      if (typeof url !== 'string' || url === '') throw bad(`${where}.image_url.url must be a string`);
      return urlPart(url);
    }
    case 'input_audio': {
      const a = asObj(part.input_audio);
      if (typeof a?.data !== 'string' || typeof a.format !== 'string') {
        throw bad(`${where}.input_audio needs data and format`);
      }
      return audioPart(a.data, a.format);
    }
    case 'file': {
      const f = asObj(part.file);
      if (f === undefined) throw bad(`${where}.file must be an object`);
      return filePart(f, where);
    }
    default:
      throw bad(`${where}: unsupported content part type ${JSON.stringify(part.type)}`);
  }
}

function userParts(content: unknown, where: string): Json[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  if (!Array.isArray(content)) throw bad(`${where}.content must be a string or an array`);
  const out: Json[] = [];
  content.forEach((p, i) => {
    const part = userPart(p, `${where}.content[${i}]`);
    if (part !== undefined) out.push(part);
  });
  return out;
}

function parseArgs(raw: unknown, where: string): Json {
  if (raw === undefined || raw === null || raw === '') return {};
  if (isObj(raw)) return raw;
  const parsed = typeof raw === 'string' ? tryParseJson(raw) : undefined;
  if (!isObj(parsed)) throw bad(`${where}.function.arguments must be a JSON object`);
  return parsed;
}

/** Function response payload: the content as a JSON object, else wrapped as `{content}`. */
function responsePayload(content: unknown, where: string): Json {
  const text = plainText(content, where);
  const parsed = tryParseJson(text);
  return isObj(parsed) ? parsed : { content: text };
}

class ContentsBuilder {
  readonly contents: Json[] = [];
  readonly system: Json[] = [];
  private readonly toolNames = new Map<string, string>();
  /** The last pushed content is a function-response turn that further tool messages join. */
  private inToolTurn = false;

  add(m: unknown, i: number): void {
    const where = `messages[${i}]`;
    const msg = asObj(m);
    if (msg === undefined) throw bad(`${where} must be an object`);
    switch (msg.role) {
      case 'system':
      case 'developer': {
        const text = plainText(msg.content, where);
        if (text !== '') this.system.push({ text });
        return;
      }
      case 'user':
        this.push('user', userParts(msg.content, where));
        return;
      case 'assistant':
        this.push('model', this.assistantParts(msg, where));
        return;
      case 'tool':
        this.toolResult(this.toolName(msg, where), msg.content, where);
        return;
      case 'function':
        if (typeof msg.name !== 'string' || msg.name === '') throw bad(`${where}.name is required`);
        this.toolResult(msg.name, msg.content, where);
        return;
      default:
        throw bad(`${where}.role ${JSON.stringify(msg.role)} is not supported`);
    }
  }

  private push(role: 'user' | 'model', parts: Json[]): void {
    if (parts.length === 0) return;
    this.contents.push({ role, parts });
    this.inToolTurn = false;
  }

  private assistantParts(msg: Json, where: string): Json[] {
    const parts: Json[] = [];
    const text = plainText(msg.content, where);
    const textSig = googleSignatureOf(msg);
    if (text !== '' || textSig !== undefined) {
      parts.push(textSig === undefined ? { text } : { text, thoughtSignature: textSig });
    }
    const calls = msg.tool_calls ?? [];
    if (!Array.isArray(calls)) throw bad(`${where}.tool_calls must be an array`);
    calls.forEach((c, k) => {
      const w = `${where}.tool_calls[${k}]`;
      const call = asObj(c);
      const fn = asObj(call?.function);
      if (call === undefined || fn === undefined || typeof fn.name !== 'string' || fn.name === '') {
        throw bad(`${w}.function.name is required`);
      }
      if (typeof call.id === 'string') this.toolNames.set(call.id, fn.name);
      const part: Json = { functionCall: { name: fn.name, args: parseArgs(fn.arguments, w) } };
      const sig = googleSignatureOf(call);
      if (sig !== undefined) part.thoughtSignature = sig;
      parts.push(part);
    });
    const legacy = asObj(msg.function_call);
    if (legacy !== undefined && typeof legacy.name === 'string') {
      parts.push({ functionCall: { name: legacy.name, args: parseArgs(legacy.arguments, where) } });
    }
    return parts;
  }

  private toolName(msg: Json, where: string): string {
    const id = msg.tool_call_id;
    const byId = typeof id === 'string' ? this.toolNames.get(id) : undefined;
    const name = byId ?? (typeof msg.name === 'string' && msg.name !== '' ? msg.name : undefined);
    if (name === undefined) {
      throw bad(`${where}.tool_call_id ${JSON.stringify(id)} matches no earlier assistant tool call`);
    }
    return name;
  }

  private toolResult(name: string, content: unknown, where: string): void {
    const part = { functionResponse: { name, response: responsePayload(content, where) } };
    const last = this.contents[this.contents.length - 1];
    if (this.inToolTurn && last !== undefined && Array.isArray(last.parts)) {
      last.parts.push(part);
      return;
    }
    this.contents.push({ role: 'user', parts: [part] });
    this.inToolTurn = true;
  }
}

export function openAIToGeminiMessages(messages: unknown): GeminiContents {
  if (!Array.isArray(messages)) throw bad('messages must be an array');
  const b = new ContentsBuilder();
  messages.forEach((m, i) => b.add(m, i));
  return b.system.length > 0
    ? { contents: b.contents, systemInstruction: { parts: b.system } }
    : { contents: b.contents };
}
