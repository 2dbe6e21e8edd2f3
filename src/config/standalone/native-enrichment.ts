/**
 * Prompt enrichment on native bodies that are not chat messages: an OpenAI Responses body (the
 * entries become input message items around `input`) and a Gemini body (system entries join
 * `systemInstruction.parts`, the others become `contents` around the client's, assistant as
 * `model`). Each changes `body` in place and says whether it changed anything.
 */
import type { Json } from '../../providers/translate/types.js';
import { isObj } from '../../json.js';
import type { EnrichmentMessage, PromptEnrichment } from './types.js';

const isSystem = (m: EnrichmentMessage): boolean => m.role === 'system' || m.role === 'developer';

export function applyResponsesEnrichment(body: Json, enrichment: PromptEnrichment): boolean {
  const { prepend, append } = enrichment;
  if (prepend.length + append.length === 0) return false;
  const input = body.input;
  const current: unknown[] =
    typeof input === 'string' ? [{ role: 'user', content: input }] : Array.isArray(input) ? input : [];
  if (typeof input !== 'string' && !Array.isArray(input)) return false;
  const item = (m: EnrichmentMessage): Json => ({ role: m.role, content: m.content });
  body.input = [...prepend.map(item), ...current, ...append.map(item)];
  return true;
}

export function applyGeminiEnrichment(body: Json, enrichment: PromptEnrichment): boolean {
  const { prepend, append } = enrichment;
  if (prepend.length + append.length === 0 || !Array.isArray(body.contents)) return false;
  const text = (m: EnrichmentMessage): Json => ({ text: m.content });
  const before = prepend.filter(isSystem).map(text);
  const after = append.filter(isSystem).map(text);
  if (before.length + after.length > 0) {
    const si = isObj(body.systemInstruction) ? body.systemInstruction : {};
    const parts = Array.isArray(si.parts) ? (si.parts as unknown[]) : [];
    body.systemInstruction = { ...si, parts: [...before, ...parts, ...after] };
  }
  const content = (m: EnrichmentMessage): Json => ({
    role: m.role === 'assistant' ? 'model' : 'user',
    parts: [{ text: m.content }],
  });
  const chat = (list: readonly EnrichmentMessage[]): Json[] => list.filter((m) => !isSystem(m)).map(content);
  body.contents = [...chat(prepend), ...(body.contents as unknown[]), ...chat(append)];
  return true;
}
