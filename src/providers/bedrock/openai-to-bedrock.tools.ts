/**
 * OpenAI `tools` + `tool_choice` → Converse `toolConfig`.
 *
 * - `auto` → `{auto:{}}`, `required` → `{any:{}}`, `{type:'function', function:{name}}` → `{tool:{name}}`.
 * - `none`: Converse has no such choice. Without tool blocks in the history the tools are left out, which
 *   honours it exactly. With tool blocks Bedrock insists on a toolConfig, so the tools are sent without a
 *   toolChoice and `tool_choice` is reported as dropped.
 * - No tools but tool blocks in the history: Bedrock rejects a request without toolConfig, so a minimal
 *   spec (`{type:'object'}` schema) is synthesised for each tool name the history uses.
 * - A tool's `cache_control` (../translate/cache-control.ts) → a cachePoint right after its spec.
 */
import type {
  ConverseCachePointBlock,
  ConverseToolChoice,
  ConverseToolConfig,
  ConverseToolSpec,
} from './converse-types.js';
import { asObj, asString } from '../../json.js';
import { invalid } from './invalid-request.js';

export interface ToolsInput {
  tools: unknown;
  toolChoice: unknown;
  historyToolNames: readonly string[];
  hasToolBlocks: boolean;
}

export interface ConvertedTools {
  toolConfig?: ConverseToolConfig;
  dropped: string[];
}

const EMPTY_SCHEMA = { type: 'object', properties: {} } as const;

export function openAIToBedrockTools(input: ToolsInput): ConvertedTools {
  const dropped: string[] = [];
  const specs = toolSpecs(input.tools, dropped);
  const choice = toolChoice(
    input.toolChoice,
    specs.some((s) => 'toolSpec' in s),
  );
  if (specs.length === 0) {
    if (!input.hasToolBlocks) return { dropped };
    const synthesised = input.historyToolNames.map((name) => ({
      toolSpec: { name, inputSchema: { json: EMPTY_SCHEMA } },
    }));
    return synthesised.length > 0 ? { toolConfig: { tools: synthesised }, dropped } : { dropped };
  }
  if (choice === 'none') {
    if (!input.hasToolBlocks) return { dropped };
    dropped.push('tool_choice');
    return { toolConfig: { tools: specs }, dropped };
  }
  return {
    toolConfig: choice === undefined ? { tools: specs } : { tools: specs, toolChoice: choice },
    dropped,
  };
}

function toolSpecs(raw: unknown, dropped: string[]): (ConverseToolSpec | ConverseCachePointBlock)[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw invalid('tools must be an array');
  let strict = false;
  const specs = raw.flatMap((t, i): (ConverseToolSpec | ConverseCachePointBlock)[] => {
    const tool = asObj(t);
    if (tool?.type !== 'function') {
      throw invalid(`tools[${i}]: tool type '${String(tool?.type)}' is not supported by Bedrock`);
    }
    const fn = asObj(tool.function);
    const name = asString(fn?.name);
    if (fn === undefined || name === undefined || name === '')
      throw invalid(`tools[${i}].function.name is required`);
    if (fn.strict === true) strict = true;
    const params = fn.parameters ?? EMPTY_SCHEMA;
    if (asObj(params) === undefined) throw invalid(`tools[${i}].function.parameters must be an object`);
    const description = asString(fn.description);
    const spec: ConverseToolSpec = {
      toolSpec:
        description === undefined || description === ''
          ? { name, inputSchema: { json: params } }
          : { name, description, inputSchema: { json: params } },
    };
    return asObj(tool.cache_control) === undefined ? [spec] : [spec, { cachePoint: { type: 'default' } }];
  });
  if (strict) dropped.push('tools[].function.strict');
  return specs;
}

function toolChoice(raw: unknown, haveTools: boolean): ConverseToolChoice | 'none' | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (raw === 'auto') return haveTools ? { auto: {} } : undefined;
  if (raw === 'none') return 'none';
  if (!haveTools) throw invalid('tool_choice requires tools');
  if (raw === 'required') return { any: {} };
  const obj = asObj(raw);
  const name = asString(asObj(obj?.function)?.name);
  if (obj?.type === 'function' && name !== undefined && name !== '') return { tool: { name } };
  throw invalid(`tool_choice ${JSON.stringify(raw)} is not supported by Bedrock`);
}
