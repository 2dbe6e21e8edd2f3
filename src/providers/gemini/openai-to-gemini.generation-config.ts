/** OpenAI sampling / output parameters → Gemini `generationConfig`. */
import { jsonSchemaOf } from '../translate/response-schema.js';
import type { Json, OpenAIChatRequest } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import { asObj } from '../../json.js';
import { openAIToGeminiSchema, usesOpenApiSchema } from './openai-to-gemini.schema.js';
import { requestedThinking } from '../translate/reasoning.js';

/** The request keys this module reads. */
export const GENERATION_KEYS = [
  'temperature',
  'top_p',
  'top_k',
  'max_tokens',
  'max_completion_tokens',
  'stop',
  'n',
  'seed',
  'presence_penalty',
  'frequency_penalty',
  'response_format',
  'reasoning_effort',
  'thinking',
] as const;

/** OpenAI number params → generationConfig fields (max_completion_tokens wins over max_tokens). */
const NUMBERS: ReadonlyArray<readonly [string, string]> = [
  ['temperature', 'temperature'],
  ['top_p', 'topP'],
  ['top_k', 'topK'],
  ['max_tokens', 'maxOutputTokens'],
  ['max_completion_tokens', 'maxOutputTokens'],
  ['n', 'candidateCount'],
  ['seed', 'seed'],
  ['presence_penalty', 'presencePenalty'],
  ['frequency_penalty', 'frequencyPenalty'],
];

/**
 * `reasoning_effort` → `thinkingConfig.thinkingBudget` (tokens), within every Gemini 2.5 model's range
 * (Flash tops out at 24576, so xhigh gets that too). Thoughts are requested (`includeThoughts`) so that they
 * come back as `reasoning_content`; `none` turns thinking off where the model allows it. A canonical
 * `thinking` budget (../translate/reasoning.ts) is sent exactly, up to Gemini's maximum of 32768; adaptive
 * thinking is Gemini's dynamic budget (-1). Gemini 3 models get a thinking level for an effort (low for
 * minimal and low, high above; their budgets are only for backward compatibility), and `none` is reported
 * instead of sent to a model that cannot stop thinking (2.5 Pro, Gemini 3).
 */
const THINKING_BUDGET: Readonly<Record<string, number>> = {
  minimal: 512,
  low: 1024,
  medium: 8192,
  high: 24576,
  xhigh: 24576,
};
const MAX_THINKING_BUDGET = 32768;
const DYNAMIC_BUDGET = -1;

function stopSequences(v: unknown): string[] | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v.length > 0 ? v : undefined;
  throw new TranslationError(400, 'stop must be a string or an array of strings');
}

/**
 * A `json_schema` goes as `responseJsonSchema`: full JSON Schema (`$ref`/`$defs`, `additionalProperties`,
 * `anyOf`, `type: 'null'`, `prefixItems`, minimum/maximum), kept as the client wrote it, which Google
 * supports on every actively supported model since Nov 2025 (Gemini API and Vertex AI) and orders
 * output keys as the schema does on Gemini 2.5 and later. Older models (Gemini 1.x and 2.0) get the
 * OpenAPI-subset `responseSchema` (openai-to-gemini.schema.ts, which inlines `$ref`s and drops the
 * keywords it cannot express): JSON Schema is not documented for them, and 2.0 needs `propertyOrdering`
 * the subset can say.
 */
function applyResponseFormat(v: unknown, model: string, cfg: Json, dropped: string[]): void {
  if (v === null || v === undefined) return;
  const rf = asObj(v);
  switch (rf?.type) {
    case 'text':
      return;
    case 'json_object':
      cfg.responseMimeType = 'application/json';
      return;
    case 'json_schema': {
      cfg.responseMimeType = 'application/json';
      const schema = jsonSchemaOf(rf);
      if (schema === undefined) return;
      if (!usesOpenApiSchema(model)) {
        cfg.responseJsonSchema = schema;
        return;
      }
      const lost = new Set<string>();
      cfg.responseSchema = openAIToGeminiSchema(schema, lost);
      for (const k of lost) dropped.push(`response_format.json_schema.schema.${k}`);
      return;
    }
    default:
      throw new TranslationError(400, 'response_format.type must be text, json_object or json_schema');
  }
}

/** Gemini 2.5 Pro (and Gemini 3) only work in thinking mode: a budget of 0 is a 400. */
const ALWAYS_THINKS = /gemini-2\.5-pro|gemini-3/i;
/** Gemini 3 models take a thinking level; a budget is accepted only for backward compatibility. */
const THINKING_LEVEL_MODEL = /gemini-3/i;

function applyThinking(req: OpenAIChatRequest, model: string, cfg: Json, dropped: string[]): void {
  const wanted = requestedThinking(req, (name) => dropped.push(name));
  if (wanted.kind === 'off') {
    if (wanted.field === undefined) return;
    // Off where the model allows it; a model that always thinks keeps its default, and that is said.
    if (ALWAYS_THINKS.test(model)) dropped.push(wanted.field);
    else cfg.thinkingConfig = { thinkingBudget: 0 };
    return;
  }
  if (wanted.kind === 'budget' && !wanted.exact && THINKING_LEVEL_MODEL.test(model)) {
    const low = req.reasoning_effort === 'minimal' || req.reasoning_effort === 'low';
    cfg.thinkingConfig = { thinkingLevel: low ? 'low' : 'high', includeThoughts: true };
    return;
  }
  let budget = DYNAMIC_BUDGET;
  if (wanted.kind === 'budget') {
    const effort = typeof req.reasoning_effort === 'string' ? req.reasoning_effort : '';
    budget = wanted.exact ? Math.min(wanted.budget, MAX_THINKING_BUDGET) : (THINKING_BUDGET[effort] ?? 8192);
    if (wanted.exact && budget !== wanted.budget) dropped.push(wanted.field);
  }
  cfg.thinkingConfig = { thinkingBudget: budget, includeThoughts: true };
}

export interface GenerationConfig {
  /** Undefined when no parameter applies. */
  readonly config?: Json;
  /** `max_tokens` when `max_completion_tokens` overrides it. */
  readonly dropped: string[];
}

const present = (v: unknown): boolean => v !== null && v !== undefined;

export function openAIToGeminiGenerationConfig(req: OpenAIChatRequest, model = ''): GenerationConfig {
  const cfg: Json = {};
  const dropped: string[] = [];
  for (const [from, to] of NUMBERS) {
    const v = req[from];
    if (!present(v)) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new TranslationError(400, `${from} must be a number`);
    }
    cfg[to] = v;
  }
  if (present(req.max_tokens) && present(req.max_completion_tokens)) dropped.push('max_tokens');
  const stop = stopSequences(req.stop);
  if (stop !== undefined) cfg.stopSequences = stop;
  applyResponseFormat(req.response_format, model, cfg, dropped);
  applyThinking(req, model, cfg, dropped);
  return Object.keys(cfg).length > 0 ? { config: cfg, dropped } : { dropped };
}
