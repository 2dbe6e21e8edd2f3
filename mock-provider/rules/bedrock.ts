/**
 * Bedrock Converse / ConverseStream: the request rules the API documents (and enforces with a 400
 * ValidationException). Pure: a body (and the model id from the path) in, the list of problems out (empty:
 * Bedrock would take it). The mock provider refuses a request with any problem; tests check every request
 * the gateway sends to a Bedrock backend with it.
 *
 * Sources: the Converse API reference (ContentBlock is a union: exactly one member; ImageBlock formats
 * png | jpeg | gif | webp; CachePointBlock type default, after the block it closes (in messages, system and
 * toolConfig.tools, whose entries are a toolSpec or a cachePoint), at most 4 per request; OutputConfig.textFormat with a JSON-string schema;
 * toolUse/toolResult need a toolConfig), InferenceConfiguration ranges, and Claude extended thinking on
 * Bedrock (budget_tokens ≥ 1024 and below maxTokens; temperature/top_p/top_k limits; with thinking on, the
 * last assistant turn that calls a tool starts with its signed reasoningContent).
 */

const TOP_LEVEL = new Set([
  'messages',
  'system',
  'inferenceConfig',
  'toolConfig',
  'guardrailConfig',
  'additionalModelRequestFields',
  'promptVariables',
  'additionalModelResponseFieldPaths',
  'requestMetadata',
  'performanceConfig',
  'outputConfig',
  'serviceTier',
]);
const BLOCK_MEMBERS = [
  'text',
  'image',
  'document',
  'video',
  'toolUse',
  'toolResult',
  'guardContent',
  'cachePoint',
  'reasoningContent',
  'citationsContent',
];
export const BEDROCK_IMAGE_FORMATS: ReadonlySet<string> = new Set(['png', 'jpeg', 'gif', 'webp']);
const MIN_BUDGET = 1024;
const MAX_CACHE_POINTS = 4;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

export interface BedrockRuleOptions {
  /** Whether a reasoningText signature is genuine (default: any non-empty string). */
  readonly verifySignature?: (text: string, signature: string) => boolean;
}

class Problems {
  readonly list: string[] = [];
  cachePoints = 0;
  add(msg: string): void {
    if (this.list.length < 50) this.list.push(msg);
  }
}

/** A cachePoint closes the blocks before it: never first in a list, never right after another one. */
function checkCachePlacement(list: unknown[], where: string, p: Problems): void {
  list.forEach((b, i) => {
    if (!isObj(b) || b.cachePoint === undefined) return;
    const prev: unknown = list[i - 1];
    if (i === 0 || (isObj(prev) && prev.cachePoint !== undefined)) {
      p.add(`${where}.${i}: a cachePoint must follow a content block, tool or system prompt it caches`);
    }
  });
}

function checkToolConfig(tc: unknown, p: Problems): void {
  if (tc === undefined) return;
  if (!isObj(tc) || !Array.isArray(tc.tools) || tc.tools.length === 0) {
    return void p.add('toolConfig.tools: Member must have length greater than or equal to 1');
  }
  const tools: unknown[] = tc.tools;
  tools.forEach((t, i) => {
    const where = `toolConfig.tools.${i}`;
    if (
      !isObj(t) ||
      Object.keys(t).length !== 1 ||
      (t.toolSpec === undefined && t.cachePoint === undefined)
    ) {
      return void p.add(`${where}: a Tool must hold exactly one of toolSpec, cachePoint`);
    }
    if (t.cachePoint !== undefined) {
      p.cachePoints++;
      if (!isObj(t.cachePoint) || t.cachePoint.type !== 'default') {
        p.add(`${where}.cachePoint.type: Member must satisfy enum value set: [default]`);
      }
    }
  });
  checkCachePlacement(tools, 'toolConfig.tools', p);
  if (!tools.some((t) => isObj(t) && t.toolSpec !== undefined)) p.add('toolConfig.tools holds no toolSpec');
}

function checkReasoning(rc: unknown, where: string, p: Problems, opts: BedrockRuleOptions): void {
  if (!isObj(rc)) return void p.add(`${where}.reasoningContent must be an object`);
  const rt = rc.reasoningText;
  if (isObj(rt)) {
    if (typeof rt.text !== 'string') p.add(`${where}.reasoningContent.reasoningText.text is required`);
    const sig = rt.signature;
    const verify = opts.verifySignature ?? ((): boolean => true);
    if (typeof sig !== 'string' || sig === '' || !verify(String(rt.text), sig)) {
      p.add(`${where}.reasoningContent.reasoningText: invalid or missing signature`);
    }
  } else if (typeof rc.redactedContent !== 'string' || !BASE64.test(rc.redactedContent)) {
    p.add(`${where}.reasoningContent needs reasoningText or base64 redactedContent`);
  }
}

const DOCUMENT_FORMATS: ReadonlySet<string> = new Set([
  'pdf',
  'csv',
  'doc',
  'docx',
  'xls',
  'xlsx',
  'html',
  'txt',
  'md',
]);
/** Converse's document name: letters, digits, single whitespace, hyphens, parentheses, square brackets. */
const DOCUMENT_NAME = /^(?!.*\s\s)[A-Za-z0-9\s\-()[\]]+$/;

function checkDocument(doc: unknown, where: string, p: Problems): void {
  if (!isObj(doc)) return void p.add(`${where}.document must be an object`);
  if (typeof doc.format !== 'string' || !DOCUMENT_FORMATS.has(doc.format))
    p.add(
      `${where}.document.format: Member must satisfy enum value set: [${[...DOCUMENT_FORMATS].join(', ')}]`,
    );
  if (typeof doc.name !== 'string' || !DOCUMENT_NAME.test(doc.name))
    p.add(
      `${where}.document.name: only alphanumeric characters, single whitespace, hyphens, parentheses and square brackets`,
    );
  const bytes = isObj(doc.source) ? doc.source.bytes : undefined;
  if (typeof bytes !== 'string' || bytes === '' || !BASE64.test(bytes))
    p.add(`${where}.document.source.bytes must be base64`);
}

function checkBlock(b: unknown, where: string, p: Problems, opts: BedrockRuleOptions): void {
  if (!isObj(b)) return void p.add(`${where} must be an object`);
  const members = Object.keys(b).filter((k) => BLOCK_MEMBERS.includes(k));
  if (members.length !== 1 || Object.keys(b).length !== 1) {
    p.add(`${where}: a ContentBlock must hold exactly one of ${BLOCK_MEMBERS.join(', ')}`);
  }
  if (b.text !== undefined && (typeof b.text !== 'string' || b.text.trim() === '')) {
    p.add(`${where}.text: The text field in the ContentBlock object is blank.`);
  }
  const image = b.image;
  if (isObj(image)) {
    if (typeof image.format !== 'string' || !BEDROCK_IMAGE_FORMATS.has(image.format)) {
      p.add(`${where}.image.format: Member must satisfy enum value set: [png, jpeg, gif, webp]`);
    }
    const bytes = isObj(image.source) ? image.source.bytes : undefined;
    if (typeof bytes !== 'string' || bytes === '' || !BASE64.test(bytes)) {
      p.add(`${where}.image.source.bytes must be base64`);
    }
  }
  if (b.document !== undefined) checkDocument(b.document, where, p);
  if (b.cachePoint !== undefined) {
    p.cachePoints++;
    if (!isObj(b.cachePoint) || b.cachePoint.type !== 'default') {
      p.add(`${where}.cachePoint.type: Member must satisfy enum value set: [default]`);
    }
  }
  if (b.reasoningContent !== undefined) checkReasoning(b.reasoningContent, where, p, opts);
  const toolUse = b.toolUse;
  if (isObj(toolUse) && (typeof toolUse.toolUseId !== 'string' || typeof toolUse.name !== 'string')) {
    p.add(`${where}.toolUse needs toolUseId and name`);
  }
}

interface Turns {
  hasTools: boolean;
  lastToolTurn: Obj[] | undefined;
}

function checkMessages(messages: unknown, p: Problems, opts: BedrockRuleOptions): Turns {
  const turns: Turns = { hasTools: false, lastToolTurn: undefined };
  if (!Array.isArray(messages) || messages.length === 0) {
    p.add('messages: Member must have length greater than or equal to 1');
    return turns;
  }
  let prev: unknown;
  messages.forEach((m, i) => {
    const where = `messages.${i}`;
    if (!isObj(m)) return void p.add(`${where} must be an object`);
    if (m.role !== 'user' && m.role !== 'assistant')
      return void p.add(`${where}.role must be user or assistant`);
    if (i === 0 && m.role !== 'user') p.add('A conversation must start with a user message.');
    if (prev === m.role) p.add('A conversation must alternate between user and assistant roles.');
    prev = m.role;
    if (!Array.isArray(m.content) || m.content.length === 0) return void p.add(`${where}.content is empty`);
    const blocks = m.content as unknown[];
    blocks.forEach((b, j) => checkBlock(b, `${where}.content.${j}`, p, opts));
    checkCachePlacement(blocks, `${where}.content`, p);
    const objs = blocks.filter(isObj);
    if (objs.some((b) => b.toolUse !== undefined || b.toolResult !== undefined)) turns.hasTools = true;
    if (m.role === 'assistant') {
      turns.lastToolTurn = objs.some((b) => b.toolUse !== undefined) ? objs : undefined;
    }
  });
  return turns;
}

function checkThinking(body: Obj, model: string, turns: Turns, p: Problems): void {
  const thinking = isObj(body.additionalModelRequestFields)
    ? body.additionalModelRequestFields.thinking
    : undefined;
  if (thinking === undefined) return;
  if (!/anthropic|claude/i.test(model)) return void p.add(`The model ${model} does not support thinking`);
  if (!isObj(thinking)) return void p.add('thinking must be an object');
  if (thinking.type === 'disabled') return;
  const inf = isObj(body.inferenceConfig) ? body.inferenceConfig : {};
  if (thinking.type === 'enabled') {
    const b = thinking.budget_tokens;
    if (!isInt(b) || b < MIN_BUDGET) p.add(`thinking.budget_tokens: Input should be >= ${MIN_BUDGET}`);
    else if (isInt(inf.maxTokens) && b >= inf.maxTokens) {
      p.add('`max_tokens` must be greater than `thinking.budget_tokens`');
    }
  } else if (thinking.type !== 'adaptive') p.add("thinking.type: Input should be 'enabled' or 'adaptive'");
  if (inf.temperature !== undefined && inf.temperature !== 1) {
    p.add('`temperature` may only be set to 1 when thinking is enabled.');
  }
  if (isNum(inf.topP) && inf.topP < 0.95) p.add('`top_p` must be >= 0.95 when thinking is enabled.');
  const toolChoice = isObj(body.toolConfig) ? body.toolConfig.toolChoice : undefined;
  if (isObj(toolChoice) && (toolChoice.any !== undefined || toolChoice.tool !== undefined)) {
    p.add('Thinking may not be enabled when tool_choice forces tool use.');
  }
  const last = turns.lastToolTurn;
  if (last !== undefined && last[0]?.reasoningContent === undefined) {
    p.add(
      'Expected `thinking` or `redacted_thinking`, but found `tool_use`. When `thinking` is enabled, a final ' +
        '`assistant` message must start with a thinking block.',
    );
  }
}

function checkOutputConfig(oc: unknown, p: Problems): void {
  if (oc === undefined) return;
  const tf = isObj(oc) ? oc.textFormat : undefined;
  if (!isObj(tf) || tf.type !== 'json_schema')
    return void p.add('outputConfig.textFormat.type must be json_schema');
  const js = isObj(tf.structure) ? tf.structure.jsonSchema : undefined;
  if (!isObj(js) || typeof js.schema !== 'string') {
    return void p.add('outputConfig.textFormat.structure.jsonSchema.schema must be a JSON string');
  }
  try {
    if (!isObj(JSON.parse(js.schema))) p.add('outputConfig schema must be a JSON object');
  } catch {
    p.add('outputConfig schema is not valid JSON');
  }
}

/** The problems Bedrock would report for this Converse request to `model` (empty: it takes it). */
export function bedrockRequestProblems(
  body: unknown,
  model: string,
  opts: BedrockRuleOptions = {},
): string[] {
  const p = new Problems();
  if (!isObj(body)) return ['The request body is not a JSON object.'];
  for (const k of Object.keys(body)) if (!TOP_LEVEL.has(k)) p.add(`Unknown parameter: ${k}`);
  const turns = checkMessages(body.messages, p, opts);
  if (body.system !== undefined) {
    if (!Array.isArray(body.system)) p.add('system must be an array');
    else {
      body.system.forEach((b, i) => checkBlock(b, `system.${i}`, p, opts));
      checkCachePlacement(body.system, 'system', p);
    }
  }
  const inf = body.inferenceConfig;
  if (isObj(inf)) {
    if (inf.maxTokens !== undefined && (!isInt(inf.maxTokens) || inf.maxTokens < 1)) {
      p.add('inferenceConfig.maxTokens: Member must have value greater than or equal to 1');
    }
    if (
      inf.temperature !== undefined &&
      (!isNum(inf.temperature) || inf.temperature < 0 || inf.temperature > 1)
    ) {
      p.add('inferenceConfig.temperature: Member must be between 0 and 1');
    }
    if (inf.topP !== undefined && (!isNum(inf.topP) || inf.topP < 0 || inf.topP > 1)) {
      p.add('inferenceConfig.topP: Member must be between 0 and 1');
    }
  }
  if (turns.hasTools && !isObj(body.toolConfig)) {
    p.add('The toolConfig field must be defined when using toolUse and toolResult content blocks.');
  }
  checkToolConfig(body.toolConfig, p);
  checkThinking(body, model, turns, p);
  checkOutputConfig(body.outputConfig, p);
  if (p.cachePoints > MAX_CACHE_POINTS) p.add(`A maximum of ${MAX_CACHE_POINTS} cache points is allowed.`);
  return p.list;
}
