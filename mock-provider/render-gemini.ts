/** Gemini / Vertex AI generateContent response bodies (JSON and stream chunks with cumulative usage). */
import type { Ids, MockResponsePlan, MockToolCall, MockUsage } from './types.js';
import { tokensFor } from './usage.js';

function geminiUsage(u: MockUsage, candidatesTokenCount: number): Record<string, unknown> {
  const out: Record<string, unknown> = {
    promptTokenCount: u.promptTokens,
    candidatesTokenCount,
    totalTokenCount: u.promptTokens + candidatesTokenCount,
  };
  if (u.cachedTokens > 0) out['cachedContentTokenCount'] = u.cachedTokens;
  return out;
}

function geminiResponse(
  p: MockResponsePlan,
  ids: Ids,
  part: Record<string, unknown>,
  finish: boolean,
  candidatesTokenCount: number,
): Record<string, unknown> {
  const candidate: Record<string, unknown> = { content: { parts: [part], role: 'model' } };
  if (finish) candidate['finishReason'] = 'STOP';
  candidate['index'] = 0;
  const out: Record<string, unknown> = {
    candidates: [candidate],
    usageMetadata: geminiUsage(p.usage, candidatesTokenCount),
    modelVersion: p.model,
    responseId: `mock${ids.seq}`,
  };
  if (p.vertex) out['createTime'] = new Date(ids.created * 1000).toISOString();
  return out;
}

function geminiFunctionCall(tool: MockToolCall, ids: Ids): Record<string, unknown> {
  return {
    functionCall: {
      id: `fc_mock${ids.seq}`,
      name: tool.name,
      args: JSON.parse(tool.argumentsJson) as unknown,
    },
  };
}

export function geminiJson(p: MockResponsePlan, ids: Ids): unknown {
  const part = p.toolCall ? geminiFunctionCall(p.toolCall, ids) : { text: p.texts[0] ?? '' };
  return geminiResponse(p, ids, part, true, p.usage.completionTokens);
}

export function geminiChunks(p: MockResponsePlan, ids: Ids): unknown[] {
  if (p.toolCall)
    return [geminiResponse(p, ids, geminiFunctionCall(p.toolCall, ids), true, p.usage.completionTokens)];
  const pieces = p.pieces[0] ?? [];
  if (pieces.length === 0) return [geminiResponse(p, ids, { text: '' }, true, 0)];
  let soFar = '';
  return pieces.map((piece, k) => {
    soFar += piece;
    return geminiResponse(p, ids, { text: piece }, k === pieces.length - 1, tokensFor(soFar));
  });
}
