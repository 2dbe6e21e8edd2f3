/**
 * OpenAI `tools` / `tool_choice` (and legacy `functions` / `function_call`) → Gemini tools + toolConfig.
 * Parameters go as `parametersJsonSchema` (the client's JSON Schema, unchanged) except to Gemini 1.x/2.0,
 * which get the OpenAPI-subset `parameters` with every keyword it cannot say reported as dropped.
 */
import type { Json, OpenAIChatRequest } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import { asObj, isObj } from '../../json.js';
import { functionParameters, usesOpenApiSchema } from './openai-to-gemini.schema.js';

export const TOOL_KEYS = ['tools', 'tool_choice', 'functions', 'function_call'] as const;

export interface GeminiTools {
  readonly tools?: Json[];
  readonly toolConfig?: Json;
  /** Parameters that had to be dropped (e.g. `tools[].function.strict`). */
  readonly dropped: string[];
}

interface DeclarationCtx {
  readonly openApi: boolean;
  readonly dropped: Set<string>;
}

function declaration(fn: Json, where: string, ctx: DeclarationCtx): Json {
  if (typeof fn.name !== 'string' || fn.name === '')
    throw new TranslationError(400, `${where}.name is required`);
  const decl: Json = { name: fn.name };
  if (typeof fn.description === 'string' && fn.description !== '') decl.description = fn.description;
  if (ctx.openApi) {
    const lost = new Set<string>();
    const params = functionParameters(fn.parameters, lost);
    if (params !== undefined) decl.parameters = params;
    for (const k of lost) ctx.dropped.add(`tools[].function.parameters.${k}`);
  } else if (isObj(fn.parameters)) {
    decl.parametersJsonSchema = fn.parameters;
  }
  if (fn.strict === true) ctx.dropped.add('tools[].function.strict');
  return decl;
}

function declarations(req: OpenAIChatRequest, ctx: DeclarationCtx): Json[] {
  const out: Json[] = [];
  const tools = req.tools ?? [];
  if (!Array.isArray(tools)) throw new TranslationError(400, 'tools must be an array');
  tools.forEach((t, i) => {
    const tool = asObj(t);
    const fn = asObj(tool?.function);
    if (tool?.type !== 'function' || fn === undefined) {
      throw new TranslationError(400, `tools[${i}]: only function tools are supported by this provider`);
    }
    out.push(declaration(fn, `tools[${i}].function`, ctx));
  });
  const functions = req.functions ?? [];
  if (!Array.isArray(functions)) throw new TranslationError(400, 'functions must be an array');
  functions.forEach((f, i) => {
    const fn = asObj(f);
    if (fn === undefined) throw new TranslationError(400, `functions[${i}] must be an object`);
    out.push(declaration(fn, `functions[${i}]`, ctx));
  });
  return out;
}

function callingConfig(choice: unknown, key: string): Json | undefined {
  if (choice === null || choice === undefined) return undefined;
  switch (choice) {
    case 'auto':
      return { mode: 'AUTO' };
    case 'none':
      return { mode: 'NONE' };
    case 'required':
      return { mode: 'ANY' };
    default:
      break;
  }
  const c = asObj(choice);
  // tool_choice: {type:"function", function:{name}}; legacy function_call: {name}.
  const name = asObj(c?.function)?.name ?? c?.name;
  if (typeof name !== 'string' || name === '') {
    throw new TranslationError(400, `${key} must be "auto", "none", "required" or name a function`);
  }
  return { mode: 'ANY', allowedFunctionNames: [name] };
}

export function openAIToGeminiTools(req: OpenAIChatRequest, model: string): GeminiTools {
  const dropped = new Set<string>();
  const decls = declarations(req, { openApi: usesOpenApiSchema(model), dropped });
  const config =
    callingConfig(req.tool_choice, 'tool_choice') ?? callingConfig(req.function_call, 'function_call');
  return {
    ...(decls.length > 0 ? { tools: [{ functionDeclarations: decls }] } : {}),
    // A tool_choice without tools has nothing to configure (and Gemini may reject it).
    ...(config !== undefined && decls.length > 0 ? { toolConfig: { functionCallingConfig: config } } : {}),
    dropped: [...dropped],
  };
}
