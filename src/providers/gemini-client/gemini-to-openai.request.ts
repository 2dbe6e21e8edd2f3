/**
 * A Gemini-native client's GenerateContentRequest → canonical OpenAI chat request. The model and
 * whether it streams come from the path (paths.ts), not the body.
 *
 * `generationConfig`: temperature, topP, topK, maxOutputTokens, stopSequences, candidateCount, seed,
 * presencePenalty, frequencyPenalty; `responseMimeType: application/json` → `response_format`
 * (`json_schema` with `responseJsonSchema`, or `responseSchema` made JSON Schema, else `json_object`);
 * `thinkingConfig` → the canonical `thinking` (a budget kept exactly; 0 is off, -1 adaptive) or
 * `reasoning_effort` for a `thinkingLevel`. `tools[].functionDeclarations` → function tools;
 * `toolConfig.functionCallingConfig` → `tool_choice`. What the canonical form cannot carry
 * (safetySettings, cachedContent, Google's built-in tools, response modalities, …) is listed in
 * `dropped`, never silently lost.
 */
import type { Json, OpenAIChatRequest } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import { asArray, asObj } from '../../json.js';
import { geminiToOpenAIMessages } from './gemini-to-openai.contents.js';
import { geminiSchemaToJsonSchema } from './gemini-to-openai.schema.js';

const bad = (message: string): TranslationError => new TranslationError(400, message);

const NUMBERS: ReadonlyArray<readonly [string, string]> = [
  ['temperature', 'temperature'],
  ['topP', 'top_p'],
  ['topK', 'top_k'],
  ['maxOutputTokens', 'max_tokens'],
  ['candidateCount', 'n'],
  ['seed', 'seed'],
  ['presencePenalty', 'presence_penalty'],
  ['frequencyPenalty', 'frequency_penalty'],
];
const CONFIG_HANDLED = new Set([
  ...NUMBERS.map(([k]) => k),
  'stopSequences',
  'responseMimeType',
  'responseSchema',
  'responseJsonSchema',
  'thinkingConfig',
]);
const TOP_HANDLED = new Set([
  'contents',
  'systemInstruction',
  'system_instruction',
  'generationConfig',
  'tools',
  'toolConfig',
  'model',
]);

function generation(cfg: Json, out: Json, dropped: Set<string>): void {
  for (const [from, to] of NUMBERS) {
    const v = cfg[from];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(`generationConfig.${from} must be a number`);
    out[to] = v;
  }
  const stop = cfg.stopSequences;
  if (Array.isArray(stop) && stop.length > 0) {
    if (!stop.every((s) => typeof s === 'string'))
      throw bad('generationConfig.stopSequences must be strings');
    out.stop = stop;
  }
  responseFormat(cfg, out, dropped);
  thinking(asObj(cfg.thinkingConfig), out, dropped);
  for (const [k, v] of Object.entries(cfg))
    if (!CONFIG_HANDLED.has(k) && v !== undefined && v !== null) dropped.add(`generationConfig.${k}`);
}

function responseFormat(cfg: Json, out: Json, dropped: Set<string>): void {
  const mime = cfg.responseMimeType;
  const jsonSchema = asObj(cfg.responseJsonSchema);
  const schema = asObj(cfg.responseSchema);
  if (mime === undefined || mime === null || mime === 'text/plain') {
    if (jsonSchema || schema)
      dropped.add(jsonSchema ? 'generationConfig.responseJsonSchema' : 'generationConfig.responseSchema');
    return;
  }
  if (mime !== 'application/json') {
    dropped.add('generationConfig.responseMimeType');
    return;
  }
  const s = jsonSchema ?? (schema ? geminiSchemaToJsonSchema(schema) : undefined);
  out.response_format = s
    ? { type: 'json_schema', json_schema: { name: 'response', schema: s } }
    : { type: 'json_object' };
}

function thinking(tc: Json | undefined, out: Json, dropped: Set<string>): void {
  if (!tc) return;
  const budget = tc.thinkingBudget;
  const level = tc.thinkingLevel;
  if (typeof budget === 'number' && Number.isInteger(budget)) {
    if (budget === 0) out.thinking = { type: 'disabled' };
    else if (budget < 0) out.thinking = { type: 'adaptive' };
    else out.thinking = { type: 'enabled', budget_tokens: budget };
  } else if (typeof level === 'string') {
    const l = level.toLowerCase();
    if (l === 'minimal' || l === 'low' || l === 'medium' || l === 'high') out.reasoning_effort = l;
    else dropped.add('generationConfig.thinkingConfig.thinkingLevel');
  }
  // includeThoughts: reasoning comes back as thought parts whenever the provider returns it.
}

function tools(body: Json, out: Json, dropped: Set<string>): void {
  const fns: Json[] = [];
  asArray(body.tools).forEach((t, i) => {
    const tool = asObj(t);
    if (!tool) throw bad(`tools[${i}] must be an object`);
    for (const [k, v] of Object.entries(tool)) {
      if (k !== 'functionDeclarations') {
        if (v !== undefined && v !== null) dropped.add(`tools.${k}`);
        continue;
      }
      asArray(v).forEach((d, j) => {
        const decl = asObj(d);
        if (!decl || typeof decl.name !== 'string' || decl.name === '')
          throw bad(`tools[${i}].functionDeclarations[${j}].name is required`);
        const fn: Json = { name: decl.name };
        if (typeof decl.description === 'string') fn.description = decl.description;
        const js = asObj(decl.parametersJsonSchema);
        const gs = asObj(decl.parameters);
        if (js) fn.parameters = js;
        else if (gs) fn.parameters = geminiSchemaToJsonSchema(gs);
        fns.push({ type: 'function', function: fn });
      });
    }
  });
  if (fns.length > 0) out.tools = fns;
  const fcc = asObj(asObj(body.toolConfig)?.functionCallingConfig);
  if (!fcc) return;
  const allowed = asArray(fcc.allowedFunctionNames).filter((n): n is string => typeof n === 'string');
  switch (fcc.mode) {
    case 'NONE':
      out.tool_choice = 'none';
      return;
    case 'ANY':
    case 'VALIDATED':
      if (allowed.length === 1) out.tool_choice = { type: 'function', function: { name: allowed[0] } };
      else {
        out.tool_choice = 'required';
        if (allowed.length > 1) dropped.add('toolConfig.functionCallingConfig.allowedFunctionNames');
      }
      if (fcc.mode === 'VALIDATED') dropped.add('toolConfig.functionCallingConfig.mode');
      return;
    case 'AUTO':
    case 'MODE_UNSPECIFIED':
    case undefined:
      if (fns.length > 0 && fcc.mode === 'AUTO') out.tool_choice = 'auto';
      if (allowed.length > 0) dropped.add('toolConfig.functionCallingConfig.allowedFunctionNames');
      return;
    default:
      throw bad('toolConfig.functionCallingConfig.mode must be AUTO, ANY, NONE or VALIDATED');
  }
}

/** The canonical request of a Gemini body for `model`; `dropped` collects what cannot be carried. */
export function geminiToOpenAIRequest(
  body: Json,
  model: string,
  stream: boolean,
  dropped: Set<string>,
): OpenAIChatRequest {
  const out: OpenAIChatRequest = { model, messages: geminiToOpenAIMessages(body, dropped) };
  const cfg = body.generationConfig ?? body.generation_config;
  if (cfg !== undefined && cfg !== null) {
    const c = asObj(cfg);
    if (!c) throw bad('generationConfig must be an object');
    generation(c, out, dropped);
  }
  tools(body, out, dropped);
  if (stream) {
    out.stream = true;
    // Gemini's last chunk always carries usageMetadata: the canonical stream must end with usage.
    out.stream_options = { include_usage: true };
  }
  for (const [k, v] of Object.entries(body))
    if (!TOP_HANDLED.has(k) && k !== 'generation_config' && v !== undefined && v !== null) dropped.add(k);
  return out;
}
