/**
 * Anthropic Messages: the request rules Anthropic documents (and enforces with a 400
 * invalid_request_error). Pure: a body in, the list of problems out (empty: Anthropic would take it).
 * The mock provider refuses a request with any problem; tests check every request the gateway
 * sends to an Anthropic backend with it.
 *
 * Sources: the Messages API reference, "Building with extended thinking" (budget, temperature,
 * top_k/top_p, forced tool use, thinking blocks before tool_use on replay, signatures), vision
 * (media types), prompt caching (at most 4 cache_control breakpoints).
 */

export interface AnthropicRuleOptions {
  /** Whether a thinking block's signature is genuine (default: any non-empty string). */
  readonly verifySignature?: (thinking: string, signature: string) => boolean;
}

/** Top-level request fields the Messages API knows; any other is "Extra inputs are not permitted". */
const KNOWN_FIELDS = new Set([
  'model',
  'messages',
  'max_tokens',
  'metadata',
  'stop_sequences',
  'stream',
  'system',
  'temperature',
  'thinking',
  'tool_choice',
  'tools',
  'top_k',
  'top_p',
  'service_tier',
  'container',
  'mcp_servers',
  'context_management',
  'output_config',
  'output_format',
  'inference_geo',
]);

export const ANTHROPIC_IMAGE_MEDIA_TYPES: ReadonlySet<string> = new Set([
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
]);
const MAX_CACHE_BREAKPOINTS = 4;
const MIN_THINKING_BUDGET = 1024;
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,128}$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

class Problems {
  readonly list: string[] = [];
  add(msg: string): void {
    if (this.list.length < 50) this.list.push(msg);
  }
}

/** Counts cache_control markers anywhere in the request (system, tools, message blocks). */
function countCacheControl(v: unknown, p: Problems, depth = 0): number {
  if (depth > 12) return 0;
  if (Array.isArray(v)) return v.reduce<number>((n, e) => n + countCacheControl(e, p, depth + 1), 0);
  if (!isObj(v)) return 0;
  let n = 0;
  for (const [k, e] of Object.entries(v)) {
    if (k === 'cache_control' && e !== null && e !== undefined) {
      n++;
      if (!isObj(e) || e.type !== 'ephemeral') p.add("cache_control.type: Input should be 'ephemeral'");
      else if (e.ttl !== undefined && e.ttl !== '5m' && e.ttl !== '1h')
        p.add("cache_control.ttl: Input should be '5m' or '1h'");
    } else if (k !== 'input' && k !== 'input_schema') n += countCacheControl(e, p, depth + 1);
  }
  return n;
}

function checkImage(block: Obj, where: string, p: Problems): void {
  const src = block.source;
  if (!isObj(src)) return p.add(`${where}.source: Field required`);
  if (src.type === 'base64') {
    if (typeof src.media_type !== 'string' || !ANTHROPIC_IMAGE_MEDIA_TYPES.has(src.media_type))
      p.add(
        `${where}.source.base64.media_type: Input should be 'image/jpeg', 'image/png', 'image/gif' or 'image/webp'`,
      );
    if (typeof src.data !== 'string' || src.data === '') p.add(`${where}.source.base64.data: Field required`);
  } else if (src.type === 'url') {
    if (typeof src.url !== 'string' || src.url === '') p.add(`${where}.source.url.url: Field required`);
  } else if (src.type !== 'file') p.add(`${where}.source.type: Input tag '${String(src.type)}' is not valid`);
}

function checkBlock(
  block: unknown,
  where: string,
  role: string,
  p: Problems,
  opts: AnthropicRuleOptions,
): void {
  if (!isObj(block) || typeof block.type !== 'string') return p.add(`${where}: each block needs a type`);
  switch (block.type) {
    case 'text':
      if (typeof block.text !== 'string') p.add(`${where}.text: Field required`);
      else if (block.text === '' && role === 'user') p.add(`${where}: text content blocks must be non-empty`);
      break;
    case 'image':
      checkImage(block, where, p);
      break;
    case 'thinking': {
      if (role !== 'assistant') p.add(`${where}: thinking blocks may only appear in assistant turns`);
      const thinking = block.thinking;
      const sig = block.signature;
      if (typeof thinking !== 'string') p.add(`${where}.thinking: Field required`);
      if (typeof sig !== 'string' || sig === '') p.add(`${where}.signature: Field required`);
      else if (typeof thinking === 'string' && opts.verifySignature && !opts.verifySignature(thinking, sig))
        p.add(`${where}: Invalid \`signature\` in \`thinking\` block`);
      break;
    }
    case 'redacted_thinking':
      if (role !== 'assistant')
        p.add(`${where}: redacted_thinking blocks may only appear in assistant turns`);
      if (typeof block.data !== 'string' || block.data === '') p.add(`${where}.data: Field required`);
      break;
    case 'tool_use':
    case 'server_tool_use':
      if (role !== 'assistant') p.add(`${where}: ${block.type} blocks may only appear in assistant turns`);
      if (typeof block.id !== 'string' || block.id === '') p.add(`${where}.id: Field required`);
      if (typeof block.name !== 'string') p.add(`${where}.name: Field required`);
      if (!isObj(block.input)) p.add(`${where}.input: Input should be a valid dictionary`);
      break;
    case 'tool_result':
      if (role !== 'user') p.add(`${where}: tool_result blocks may only appear in user turns`);
      if (typeof block.tool_use_id !== 'string') p.add(`${where}.tool_use_id: Field required`);
      if (block.is_error !== undefined && typeof block.is_error !== 'boolean')
        p.add(`${where}.is_error: Input should be a valid boolean`);
      break;
    case 'document':
      checkDocument(block.source, where, p);
      break;
    case 'search_result':
    case 'web_search_tool_result':
    case 'web_fetch_tool_result':
    case 'code_execution_tool_result':
    case 'container_upload':
    case 'mcp_tool_use':
    case 'mcp_tool_result':
      break;
    default:
      p.add(`${where}.type: Input tag '${block.type}' is not valid`);
  }
}

/** A document's source: a base64 PDF, plain text, a URL or a file id (Anthropic's documented kinds). */
function checkDocument(source: unknown, where: string, p: Problems): void {
  if (!isObj(source)) return void p.add(`${where}.source: Field required`);
  switch (source.type) {
    case 'base64':
      if (source.media_type !== 'application/pdf')
        p.add(`${where}.source.media_type: Input should be 'application/pdf'`);
      if (typeof source.data !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(source.data))
        p.add(`${where}.source.data: invalid base64 data`);
      break;
    case 'text':
      if (source.media_type !== 'text/plain')
        p.add(`${where}.source.media_type: Input should be 'text/plain'`);
      if (typeof source.data !== 'string') p.add(`${where}.source.data: Input should be a valid string`);
      break;
    case 'url':
    case 'file':
    case 'content':
      break;
    default:
      p.add(`${where}.source.type: Input tag '${String(source.type)}' is not valid`);
  }
}

function toolUseIds(content: unknown): string[] {
  if (!Array.isArray(content)) return [];
  return content.filter((b): b is Obj => isObj(b) && b.type === 'tool_use').map((b) => String(b.id));
}
function toolResultIds(content: unknown): string[] {
  if (!Array.isArray(content)) return [];
  return content
    .filter((b): b is Obj => isObj(b) && b.type === 'tool_result')
    .map((b) => String(b.tool_use_id));
}

function checkMessages(
  messages: unknown[],
  thinkingOn: boolean,
  p: Problems,
  opts: AnthropicRuleOptions,
): void {
  if (messages.length === 0) p.add('messages: at least one message is required');
  messages.forEach((m, i) => {
    if (!isObj(m)) return p.add(`messages.${i}: Input should be a valid dictionary`);
    if (m.role !== 'user' && m.role !== 'assistant')
      return p.add(`messages.${i}.role: Input should be 'user' or 'assistant'`);
    if (typeof m.content === 'string') {
      if (m.content === '' && !(m.role === 'assistant' && i === messages.length - 1))
        p.add(`messages.${i}: all messages must have non-empty content`);
      return;
    }
    if (!Array.isArray(m.content)) return p.add(`messages.${i}.content: Input should be a valid list`);
    m.content.forEach((b, j) => checkBlock(b, `messages.${i}.content.${j}`, m.role as string, p, opts));
    // Every tool_result answers a tool_use of the assistant turn just before it, and every
    // tool_use of an assistant turn is answered in the next user turn.
    const results = toolResultIds(m.content);
    if (results.length > 0) {
      const prev = i > 0 && isObj(messages[i - 1]) ? toolUseIds((messages[i - 1] as Obj).content) : [];
      for (const id of results)
        if (!prev.includes(id))
          p.add(
            `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${id}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`,
          );
    }
    const uses = m.role === 'assistant' ? toolUseIds(m.content) : [];
    const next = messages[i + 1];
    if (uses.length > 0 && next !== undefined) {
      const answered = isObj(next) ? toolResultIds(next.content) : [];
      const missing = uses.filter((id) => !answered.includes(id));
      if (missing.length > 0)
        p.add(
          `messages.${i}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}`,
        );
    }
  });
  if (!thinkingOn) return;
  // With thinking on, the assistant turn that opened the current tool loop (the last assistant
  // turn, when only tool_result turns follow it) must start with its (signed) thinking.
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i];
    if (!isObj(m) || m.role !== 'assistant') continue;
    if (!Array.isArray(m.content) || toolUseIds(m.content).length === 0) break;
    const first = m.content[0];
    const t = isObj(first) ? first.type : undefined;
    if (t !== 'thinking' && t !== 'redacted_thinking')
      p.add(
        `messages.${i}.content.0.type: Expected \`thinking\` or \`redacted_thinking\`, but found \`${String(t)}\`. When \`thinking\` is enabled, a final \`assistant\` message must start with a thinking block (preceeding the lastmost set of \`tool_use\` and \`tool_result\` blocks). We recommend you include thinking blocks from previous turns.`,
      );
    break;
  }
}

function checkThinking(body: Obj, p: Problems): boolean {
  const t = body.thinking;
  if (t === undefined) return false;
  if (!isObj(t)) {
    p.add('thinking: Input should be a valid dictionary');
    return false;
  }
  if (t.type === 'disabled') return false;
  if (t.type === 'adaptive') return true;
  if (t.type !== 'enabled') {
    p.add("thinking.type: Input tag should be 'enabled', 'disabled' or 'adaptive'");
    return false;
  }
  const budget = t.budget_tokens;
  if (!isInt(budget)) p.add('thinking.enabled.budget_tokens: Field required');
  else {
    if (budget < MIN_THINKING_BUDGET)
      p.add(
        `thinking.enabled.budget_tokens: Input should be greater than or equal to ${MIN_THINKING_BUDGET}`,
      );
    if (isInt(body.max_tokens) && budget >= body.max_tokens)
      p.add('`max_tokens` must be greater than `thinking.budget_tokens`');
  }
  return true;
}

function checkSampling(body: Obj, thinkingOn: boolean, p: Problems): void {
  const { temperature, top_p, top_k } = body;
  if (temperature !== undefined && (!isNum(temperature) || temperature < 0 || temperature > 1))
    p.add('temperature: Input should be between 0 and 1');
  if (top_p !== undefined && (!isNum(top_p) || top_p < 0 || top_p > 1))
    p.add('top_p: Input should be between 0 and 1');
  if (top_k !== undefined && (!isInt(top_k) || top_k < 0))
    p.add('top_k: Input should be a non-negative integer');
  if (!thinkingOn) return;
  if (temperature !== undefined && temperature !== 1)
    p.add('`temperature` may only be set to 1 when thinking is enabled.');
  if (top_k !== undefined) p.add('`top_k` is not supported when thinking is enabled.');
  if (isNum(top_p) && top_p < 0.95)
    p.add('`top_p` must be greater than or equal to 0.95 or unset when thinking is enabled.');
  const choice = body.tool_choice;
  if (isObj(choice) && (choice.type === 'any' || choice.type === 'tool'))
    p.add('Thinking may not be enabled when tool_choice forces tool use.');
}

function checkTools(tools: unknown, p: Problems): void {
  if (tools === undefined) return;
  if (!Array.isArray(tools)) return p.add('tools: Input should be a valid list');
  tools.forEach((t, i) => {
    if (!isObj(t)) return p.add(`tools.${i}: Input should be a valid dictionary`);
    if (typeof t.name !== 'string' || !TOOL_NAME.test(t.name))
      p.add(`tools.${i}.name: String should match pattern '^[a-zA-Z0-9_-]{1,128}$'`);
    // Server tools (web_search_20250305, …) carry a versioned type and no input_schema.
    if ((t.type === undefined || t.type === 'custom') && !isObj(t.input_schema))
      p.add(`tools.${i}.custom.input_schema: Field required`);
  });
}

/** Every documented 400 this request would get from Anthropic (empty: none). */
export function anthropicRequestProblems(body: unknown, opts: AnthropicRuleOptions = {}): string[] {
  const p = new Problems();
  if (!isObj(body)) return ['The request body is not a JSON object'];
  for (const k of Object.keys(body)) if (!KNOWN_FIELDS.has(k)) p.add(`${k}: Extra inputs are not permitted`);
  if (typeof body.model !== 'string' || body.model === '') p.add('model: Field required');
  if (!isInt(body.max_tokens) || body.max_tokens < 1)
    p.add('max_tokens: Field required (a positive integer)');
  if (body.stream !== undefined && typeof body.stream !== 'boolean')
    p.add('stream: Input should be a valid boolean');
  const thinkingOn = checkThinking(body, p);
  checkSampling(body, thinkingOn, p);
  checkTools(body.tools, p);
  if (body.system !== undefined && typeof body.system !== 'string') {
    if (!Array.isArray(body.system)) p.add('system: Input should be a valid string or list');
    else
      body.system.forEach((b, i) => {
        if (!isObj(b) || b.type !== 'text' || typeof b.text !== 'string')
          p.add(`system.${i}: text blocks only`);
      });
  }
  if (body.stop_sequences !== undefined) {
    const s = body.stop_sequences;
    if (!Array.isArray(s) || !s.every((e) => typeof e === 'string' && e.trim() !== ''))
      p.add('stop_sequences: each stop sequence must be a non-empty string');
  }
  if (body.metadata !== undefined) {
    const m = body.metadata;
    if (!isObj(m) || Object.keys(m).some((k) => k !== 'user_id'))
      p.add('metadata: only user_id is permitted');
  }
  if (!Array.isArray(body.messages)) p.add('messages: Field required');
  else checkMessages(body.messages, thinkingOn, p, opts);
  if (countCacheControl(body, p) > MAX_CACHE_BREAKPOINTS)
    p.add(`A maximum of ${MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided.`);
  return p.list;
}
