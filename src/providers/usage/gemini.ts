/** Gemini / Vertex AI generateContent responses (also each streamGenerateContent SSE event). */
import type { JsonObject } from '../../json.js';
import { asArray, asCount, asObj, itemIndex, nonEmptyString, parseJsonObject } from '../../json.js';
import { byIndex, hasText } from './types.js';
import type { SseEvent } from '../../streaming/sse-decoder.js';
import type { EventResult } from './openai.js';
import type { ResponseFacts, Usage } from './types.js';
import { makeFacts } from './types.js';

/** Reads `usageMetadata`; an object without prompt or candidate counts (Vertex sends `{}`) is absent. */
export function geminiUsage(v: unknown): Usage | undefined {
  const u = asObj(v);
  if (u === undefined) return undefined;
  const prompt = asCount(u.promptTokenCount);
  const completion = asCount(u.candidatesTokenCount);
  if (prompt === undefined && completion === undefined) return undefined;
  const usage: Usage = { promptTokens: prompt ?? 0, completionTokens: completion ?? 0 };
  const cached = asCount(u.cachedContentTokenCount);
  if (cached !== undefined) usage.cachedInputTokens = cached;
  const thoughts = asCount(u.thoughtsTokenCount);
  if (thoughts !== undefined) usage.reasoningTokens = thoughts;
  return usage;
}

/**
 * Folds GenerateContentResponse objects. Every streamed chunk repeats the cumulative usageMetadata, so the
 * last one wins (never summed). A tool call is a functionCall part with no (non-thought) text anywhere.
 */
export class GeminiFacts {
  private usage: Usage | undefined;
  private model: string | undefined;
  private readonly finish = new Map<number, string>();
  private functionCall = false;
  private text = false;
  done = false;

  onEvent(ev: SseEvent): EventResult {
    const obj = parseJsonObject(ev.data);
    if (obj === undefined) return 'invalid';
    this.add(obj);
    return 'ok';
  }

  add(resp: JsonObject): void {
    const usage = geminiUsage(resp.usageMetadata);
    if (usage !== undefined) this.usage = usage;
    this.model ??= nonEmptyString(resp.modelVersion);
    const candidates = asArray(resp.candidates);
    for (let i = 0; i < candidates.length; i++) {
      const cand = asObj(candidates[i]);
      if (cand === undefined) continue;
      const reason = nonEmptyString(cand.finishReason);
      if (reason !== undefined) {
        this.finish.set(itemIndex(cand, i), reason);
        this.done = true;
      }
      for (const p of asArray(asObj(cand.content)?.parts)) {
        const part = asObj(p);
        if (part === undefined) continue;
        if (asObj(part.functionCall) !== undefined) this.functionCall = true;
        if (part.thought !== true && hasText(part.text)) this.text = true;
      }
    }
  }

  get facts(): ResponseFacts {
    return makeFacts(this.usage, this.model, byIndex(this.finish), this.functionCall && !this.text);
  }
}

/** Facts of a non-streaming body; a JSON array (REST streaming without SSE) is folded element by element. */
export function geminiResponseFacts(body: JsonObject | readonly unknown[]): ResponseFacts {
  const acc = new GeminiFacts();
  if (Array.isArray(body)) {
    for (const item of body) {
      const r = asObj(item);
      if (r !== undefined) acc.add(r);
    }
  } else {
    acc.add(body as JsonObject);
  }
  return acc.facts;
}
