/** gen_ai.* span attributes from plain request/response data (docs/reference/kgateway-contract.md §3.8). */
import type { PhaseSpan, SpanAttributes } from './tracer.js';
import type { JsonObject } from '../json.js';
import { asObj } from '../json.js';
import type { ResponseFacts } from '../providers/usage.js';

const CONTENT_LIMIT = 64 * 1024;

/** gen_ai.system as the original reported it ("" for azure_openai). */
export function genAiSystem(provider: string): string {
  switch (provider) {
    case 'anthropic':
      return 'anthropic';
    case 'gemini':
      return 'gcp.gemini';
    case 'vertex-ai':
      return 'gcp.vertex_ai';
    case 'azure_openai':
      return '';
    default:
      return 'openai';
  }
}

type Obj = JsonObject;
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = asObj;

function stops(v: unknown): readonly string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((s): s is string => typeof s === 'string');
  return undefined;
}

function truncate(text: string): string {
  return text.length > CONTENT_LIMIT ? `${text.slice(0, CONTENT_LIMIT)}…` : text;
}

export function requestAttributes(
  provider: string,
  operation: string,
  model: string,
  body: Obj | undefined,
  includeContent: boolean,
): SpanAttributes {
  const gen = obj(body?.generationConfig);
  const format = obj(body?.response_format)?.type;
  return {
    'gen_ai.operation.name': operation,
    'gen_ai.system': genAiSystem(provider),
    'gen_ai.request.model': model,
    'gen_ai.request.max_tokens':
      num(body?.max_tokens) ?? num(body?.max_completion_tokens) ?? num(gen?.maxOutputTokens),
    'gen_ai.request.temperature': num(body?.temperature) ?? num(gen?.temperature),
    'gen_ai.request.top_p': num(body?.top_p) ?? num(gen?.topP),
    'gen_ai.request.top_k': num(body?.top_k) ?? num(gen?.topK),
    'gen_ai.request.seed': num(body?.seed) ?? num(gen?.seed),
    'gen_ai.request.frequency_penalty': num(body?.frequency_penalty),
    'gen_ai.request.presence_penalty': num(body?.presence_penalty),
    'gen_ai.request.stop_sequences':
      stops(body?.stop) ?? stops(body?.stop_sequences) ?? stops(gen?.stopSequences),
    'gen_ai.request.choice.count': num(body?.n) ?? num(gen?.candidateCount),
    'gen_ai.output.type':
      format === 'json_object' || format === 'json_schema'
        ? 'json'
        : typeof format === 'string'
          ? format
          : undefined,
    'gen_ai.input.messages':
      includeContent && body
        ? truncate(JSON.stringify(body.messages ?? body.contents ?? body.input ?? body.prompt ?? null))
        : undefined,
  };
}

export function responseAttributes(r: {
  readonly id: string | undefined;
  readonly model: string;
  readonly finishReasons: readonly string[];
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly output: unknown;
  readonly includeContent: boolean;
}): SpanAttributes {
  return {
    'gen_ai.response.id': r.id,
    'gen_ai.response.model': r.model,
    'gen_ai.response.finish_reasons': r.finishReasons,
    'gen_ai.usage.input_tokens': r.inputTokens,
    'gen_ai.usage.output_tokens': r.outputTokens,
    'gen_ai.output.messages':
      r.includeContent && r.output !== undefined ? truncate(JSON.stringify(r.output)) : undefined,
  };
}

/**
 * The gen_ai.response child span both exchanges end a response with: `id` and `output` come from the
 * (canonical) response body, the rest from its parsed facts.
 */
export function recordResponseSpan(
  parent: PhaseSpan,
  facts: ResponseFacts,
  body: { readonly id: unknown; readonly output: unknown },
  includeContent: boolean,
): void {
  const span = parent.child('gen_ai.response');
  span.setAttributes(
    responseAttributes({
      id: typeof body.id === 'string' ? body.id : undefined,
      model: facts.responseModel ?? '',
      finishReasons: facts.finishReasons,
      inputTokens: facts.usage?.promptTokens ?? 0,
      outputTokens: facts.usage?.completionTokens ?? 0,
      output: body.output,
      includeContent,
    }),
  );
  span.end();
}
