/**
 * Gemini / Vertex AI generateContent: the request rules the API documents (and enforces with a 400
 * INVALID_ARGUMENT). Pure: a body in, the list of problems out (empty: Gemini would take it). The mock
 * provider refuses a request with any problem; tests check every request the gateway sends to a Gemini
 * backend with it.
 *
 * Sources: the generateContent API reference (Content, Part, GenerationConfig, ThinkingConfig, Schema), the
 * "Gemini thinking" guide (budget ranges: 0 off, -1 dynamic, up to 32768), image understanding (PNG, JPEG,
 * WEBP, HEIC, HEIF), structured output (responseSchema or responseJsonSchema, with
 * responseMimeType application/json), thought signatures (Gemini 3: the current turn's function calls
 * carry theirs). Unknown fields anywhere are "Invalid JSON payload received. Unknown name …".
 */

const TOP_LEVEL = new Set([
  'contents',
  'tools',
  'toolConfig',
  'safetySettings',
  'systemInstruction',
  'generationConfig',
  'cachedContent',
  'labels',
]);
const GENERATION_CONFIG = new Set([
  'stopSequences',
  'responseMimeType',
  'responseSchema',
  'responseJsonSchema',
  'responseModalities',
  'candidateCount',
  'maxOutputTokens',
  'temperature',
  'topP',
  'topK',
  'seed',
  'presencePenalty',
  'frequencyPenalty',
  'responseLogprobs',
  'logprobs',
  'thinkingConfig',
  'mediaResolution',
  'speechConfig',
]);
const THINKING_CONFIG = new Set(['thinkingBudget', 'includeThoughts', 'thinkingLevel']);
/** The data a part holds: exactly one of these. */
const PART_DATA = [
  'text',
  'inlineData',
  'fileData',
  'functionCall',
  'functionResponse',
  'executableCode',
  'codeExecutionResult',
];
const PART_META = new Set(['thought', 'thoughtSignature', 'videoMetadata', 'partMetadata']);
export const GEMINI_IMAGE_MIME_TYPES: ReadonlySet<string> = new Set([
  'image/png',
  'image/jpeg',
  'image/webp',
  'image/heic',
  'image/heif',
]);
const SCHEMA_TYPES = new Set(['STRING', 'NUMBER', 'INTEGER', 'BOOLEAN', 'ARRAY', 'OBJECT', 'NULL']);
const SCHEMA_KEYS = new Set([
  'type',
  'format',
  'title',
  'description',
  'nullable',
  'enum',
  'maxItems',
  'minItems',
  'properties',
  'required',
  'minProperties',
  'maxProperties',
  'minLength',
  'maxLength',
  'pattern',
  'example',
  'anyOf',
  'propertyOrdering',
  'default',
  'items',
  'minimum',
  'maximum',
]);
const MAX_BUDGET = 32768;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);

class Problems {
  readonly list: string[] = [];
  add(msg: string): void {
    if (this.list.length < 50) this.list.push(msg);
  }
  unknown(obj: Obj, known: ReadonlySet<string>, where: string): void {
    for (const k of Object.keys(obj)) {
      if (!known.has(k)) this.add(`Invalid JSON payload received. Unknown name "${k}" at '${where}'`);
    }
  }
}

function checkMime(mime: unknown, where: string, p: Problems): void {
  if (typeof mime !== 'string' || mime === '') return void p.add(`${where}.mimeType is required`);
  if (mime.startsWith('image/') && !GEMINI_IMAGE_MIME_TYPES.has(mime)) {
    p.add(`${where}.mimeType: Unsupported MIME type: ${mime}`);
  }
}

function checkPart(part: unknown, where: string, p: Problems): void {
  if (!isObj(part)) return void p.add(`${where}: a part must be an object`);
  const data = PART_DATA.filter((k) => part[k] !== undefined);
  if (data.length !== 1) p.add(`${where}: a part must hold exactly one of ${PART_DATA.join(', ')}`);
  p.unknown(part, new Set([...PART_DATA, ...PART_META]), where);
  if (part.text !== undefined && typeof part.text !== 'string') p.add(`${where}.text must be a string`);
  if (part.thoughtSignature !== undefined && typeof part.thoughtSignature !== 'string') {
    p.add(`${where}.thoughtSignature must be a base64 string`);
  }
  const inline = part.inlineData;
  if (isObj(inline)) {
    checkMime(inline.mimeType, `${where}.inlineData`, p);
    if (typeof inline.data !== 'string' || !BASE64.test(inline.data)) {
      p.add(`${where}.inlineData.data must be base64`);
    }
  }
  const file = part.fileData;
  if (isObj(file)) {
    checkMime(file.mimeType, `${where}.fileData`, p);
    if (typeof file.fileUri !== 'string' || file.fileUri === '')
      p.add(`${where}.fileData.fileUri is required`);
  }
  const call = part.functionCall;
  if (isObj(call) && (typeof call.name !== 'string' || call.name === '')) {
    p.add(`${where}.functionCall.name is required`);
  }
}

function checkContents(contents: unknown, p: Problems): void {
  if (!Array.isArray(contents) || contents.length === 0) return void p.add('contents is not specified');
  contents.forEach((c, i) => {
    const where = `contents[${i}]`;
    if (!isObj(c)) return void p.add(`${where} must be an object`);
    if (c.role !== undefined && c.role !== 'user' && c.role !== 'model' && c.role !== 'function') {
      p.add(`${where}.role: Please use a valid role: user, model.`);
    }
    if (!Array.isArray(c.parts) || c.parts.length === 0) {
      return void p.add(`${where}.parts: contents.parts must not be empty.`);
    }
    c.parts.forEach((part, j) => checkPart(part, `${where}.parts[${j}]`, p));
  });
}

/** A Gemini (OpenAPI subset) Schema: known keywords only, upper- or lower-case type names. */
function checkSchema(s: unknown, where: string, p: Problems, depth = 0): void {
  if (depth > 32) return;
  if (!isObj(s)) return void p.add(`${where} must be a schema object`);
  p.unknown(s, SCHEMA_KEYS, where);
  if (s.type !== undefined && (typeof s.type !== 'string' || !SCHEMA_TYPES.has(s.type.toUpperCase()))) {
    p.add(`${where}.type: Invalid value ${JSON.stringify(s.type)}`);
  }
  if (isObj(s.properties)) {
    for (const [k, v] of Object.entries(s.properties))
      checkSchema(v, `${where}.properties.${k}`, p, depth + 1);
  }
  if (s.items !== undefined) checkSchema(s.items, `${where}.items`, p, depth + 1);
  if (Array.isArray(s.anyOf)) s.anyOf.forEach((v, i) => checkSchema(v, `${where}.anyOf[${i}]`, p, depth + 1));
}

function checkThinking(t: unknown, p: Problems): void {
  if (t === undefined) return;
  if (!isObj(t)) return void p.add('generationConfig.thinkingConfig must be an object');
  p.unknown(t, THINKING_CONFIG, 'generationConfig.thinkingConfig');
  const b = t.thinkingBudget;
  if (b !== undefined && (!isInt(b) || b < -1 || b > MAX_BUDGET)) {
    p.add(
      `The thinking budget ${JSON.stringify(b)} is invalid. Please choose a value between -1 and ${MAX_BUDGET}.`,
    );
  }
  if (t.includeThoughts !== undefined && typeof t.includeThoughts !== 'boolean') {
    p.add('generationConfig.thinkingConfig.includeThoughts must be a boolean');
  }
  if (b !== undefined && t.thinkingLevel !== undefined) {
    p.add('thinking_budget and thinking_level are not supported together.');
  }
}

function checkGenerationConfig(g: unknown, p: Problems): void {
  if (g === undefined) return;
  if (!isObj(g)) return void p.add('generationConfig must be an object');
  p.unknown(g, GENERATION_CONFIG, 'generationConfig');
  checkThinking(g.thinkingConfig, p);
  const hasSchema = g.responseSchema !== undefined;
  const hasJsonSchema = g.responseJsonSchema !== undefined;
  if (hasSchema && hasJsonSchema) p.add('responseSchema and responseJsonSchema cannot both be set');
  if ((hasSchema || hasJsonSchema) && g.responseMimeType !== 'application/json') {
    p.add('response_mime_type: only application/json is supported with a response schema');
  }
  if (hasSchema) checkSchema(g.responseSchema, 'generationConfig.responseSchema', p);
  if (hasJsonSchema && !isObj(g.responseJsonSchema))
    p.add('generationConfig.responseJsonSchema must be an object');
  if (g.maxOutputTokens !== undefined && (!isInt(g.maxOutputTokens) || g.maxOutputTokens < 1)) {
    p.add('generationConfig.maxOutputTokens must be a positive integer');
  }
}

/**
 * Gemini 3 validates thought signatures: in the current turn (after the last user message that is not only
 * function responses), the first functionCall part of each model step must carry one.
 */
function checkThoughtSignatures(contents: unknown, p: Problems): void {
  if (!Array.isArray(contents)) return;
  const list = contents.filter(isObj);
  let start = 0;
  list.forEach((c, i) => {
    const parts = Array.isArray(c.parts) ? c.parts : [];
    if (c.role === 'user' && parts.some((x) => !isObj(x) || x.functionResponse === undefined)) start = i + 1;
  });
  list.slice(start).forEach((c, k) => {
    if (c.role !== 'model' || !Array.isArray(c.parts)) return;
    const first: unknown = c.parts.find((x) => isObj(x) && x.functionCall !== undefined);
    if (isObj(first) && typeof first.thoughtSignature !== 'string') {
      p.add(`Function call is missing a thought_signature in functionCall parts (contents[${start + k}])`);
    }
  });
}

/** `parameters` (OpenAPI subset) or `parametersJsonSchema` (JSON Schema), never both. */
function checkDeclaration(fd: unknown, where: string, p: Problems): void {
  if (!isObj(fd)) return;
  if (fd.parameters !== undefined && fd.parametersJsonSchema !== undefined) {
    p.add(`${where}: parameters and parametersJsonSchema cannot both be set`);
  }
  if (fd.parameters !== undefined) checkSchema(fd.parameters, `${where}.parameters`, p);
  if (fd.parametersJsonSchema !== undefined && !isObj(fd.parametersJsonSchema)) {
    p.add(`${where}.parametersJsonSchema must be an object`);
  }
}

/** The problems Gemini would report for this request body to `model` (empty: it takes it). */
export function geminiRequestProblems(body: unknown, model = ''): string[] {
  const p = new Problems();
  if (!isObj(body)) return ['Invalid JSON payload received.'];
  p.unknown(body, TOP_LEVEL, '');
  checkContents(body.contents, p);
  if (/gemini-3/i.test(model)) checkThoughtSignatures(body.contents, p);
  const sys = body.systemInstruction;
  if (isObj(sys) && Array.isArray(sys.parts)) {
    sys.parts.forEach((part, j) => checkPart(part, `systemInstruction.parts[${j}]`, p));
  }
  checkGenerationConfig(body.generationConfig, p);
  if (Array.isArray(body.tools)) {
    body.tools.forEach((t, i) => {
      if (!isObj(t) || !Array.isArray(t.functionDeclarations)) return;
      t.functionDeclarations.forEach((fd, j) =>
        checkDeclaration(fd, `tools[${i}].functionDeclarations[${j}]`, p),
      );
    });
  }
  return p.list;
}
