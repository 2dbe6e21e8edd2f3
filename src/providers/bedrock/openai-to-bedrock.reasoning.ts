/**
 * Canonical reasoning and structured output → Converse request fields.
 *
 * - Thinking (reasoning_effort or the canonical `thinking`, ../translate/reasoning.ts) becomes
 *   `additionalModelRequestFields.thinking` for Anthropic Claude models, the only Bedrock models that take it
 *   in that form; for other models it is reported as dropped. Budgets stay exact; `budget_tokens` must be
 *   below `maxTokens` (set to budget + 4096 when the client gave none). Thinking is off, and reported, for a
 *   forced tool choice or a tool turn whose last assistant message lacks its signed reasoning (Claude's rule).
 *   A reasoning_effort for a Claude model whose thinking is adaptive (Opus 4.6 and later) becomes
 *   `{type:'adaptive'}` with `output_config.effort` (../translate/reasoning.ts).
 * - `response_format` json_schema → `outputConfig.textFormat` (the schema as a JSON string); json_object has
 *   no Converse form and is reported.
 */
import type { Json, OpenAIChatRequest } from '../translate/types.js';
import type { ConverseInferenceConfig, ConverseOutputConfig } from './converse-types.js';
import { asObj, asString } from '../../json.js';
import {
  MIN_ANTHROPIC_BUDGET,
  claudeEffort,
  lastToolTurnUnsigned,
  prefersAdaptiveThinking,
  requestedThinking,
} from '../translate/reasoning.js';

const DEFAULT_ANSWER_TOKENS = 4096;

export interface BedrockThinking {
  /** `additionalModelRequestFields.thinking`, or undefined when thinking is off. */
  readonly thinking?: Json;
  /** `additionalModelRequestFields.output_config.effort`, for adaptive thinking asked with an effort. */
  readonly effort?: string;
  readonly dropped: string[];
}

/** Bedrock model ids (and inference profile ids) of Anthropic models name the vendor. */
export function isClaudeModel(model: string): boolean {
  return /anthropic|claude/i.test(model);
}

/** The thinking config; adjusts `inference` (maxTokens, and the sampling Claude rejects with thinking). */
export function openAIToBedrockThinking(
  req: OpenAIChatRequest,
  model: string,
  inference: ConverseInferenceConfig,
): BedrockThinking {
  const dropped: string[] = [];
  const wanted = requestedThinking(req, (name) => dropped.push(name));
  if (wanted.kind === 'off') return { dropped };
  const forced = req.tool_choice === 'required' || asObj(req.tool_choice)?.type === 'function';
  const unsigned = Array.isArray(req.messages) && lastToolTurnUnsigned(req.messages);
  if (!isClaudeModel(model) || forced || unsigned) return { dropped: [...dropped, wanted.field] };
  let thinking: Json;
  let effort: string | undefined;
  if (wanted.kind === 'adaptive') {
    thinking = { type: 'adaptive' };
    const e = req.reasoning_effort;
    if (typeof e === 'string' && e !== 'none') effort = claudeEffort(e, model);
  } else if (!wanted.exact && prefersAdaptiveThinking(model)) {
    thinking = { type: 'adaptive' };
    effort = claudeEffort(req.reasoning_effort, model);
  } else {
    const max = inference.maxTokens;
    const budget = max === undefined ? wanted.budget : Math.min(wanted.budget, max - 1);
    if (budget < MIN_ANTHROPIC_BUDGET) return { dropped: [...dropped, wanted.field] };
    if (wanted.exact && budget !== wanted.budget) dropped.push(wanted.field);
    if (max === undefined) inference.maxTokens = budget + DEFAULT_ANSWER_TOKENS;
    thinking = { type: 'enabled', budget_tokens: budget };
  }
  // Claude rejects temperature ≠ 1 and top_p < 0.95 while thinking.
  if (inference.temperature !== undefined && inference.temperature !== 1) {
    delete inference.temperature;
    dropped.push('temperature');
  }
  if (inference.topP !== undefined && inference.topP < 0.95) {
    delete inference.topP;
    dropped.push('top_p');
  }
  return effort === undefined ? { thinking, dropped } : { thinking, effort, dropped };
}

/** response_format → outputConfig, or undefined (text, or impossible and reported through `drop`). */
export function openAIToBedrockOutputConfig(
  responseFormat: unknown,
  drop: (name: string) => void,
): ConverseOutputConfig | undefined {
  const rf = asObj(responseFormat);
  if (rf === undefined || rf.type === 'text') return undefined;
  const spec = asObj(rf.json_schema);
  const schema = asObj(spec?.schema);
  if (rf.type !== 'json_schema' || schema === undefined) {
    drop('response_format');
    return undefined;
  }
  const jsonSchema: ConverseOutputConfig['textFormat']['structure']['jsonSchema'] = {
    schema: JSON.stringify(schema),
    name: asString(spec?.name) ?? 'response',
  };
  const description = asString(spec?.description);
  if (description !== undefined) jsonSchema.description = description;
  return { textFormat: { type: 'json_schema', structure: { jsonSchema } } };
}
