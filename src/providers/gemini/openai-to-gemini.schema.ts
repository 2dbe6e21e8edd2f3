/**
 * JSON Schema → the OpenAPI-3 subset Gemini accepts for `functionDeclarations[].parameters` and
 * `generationConfig.responseSchema`.
 *
 * Gemini rejects unknown schema keywords with HTTP 400 ("Invalid JSON payload received. Unknown name
 * …"), so keywords are allowlisted rather than denylisted. On top of that:
 * - local `$ref`s (`#/$defs/X`, `#/definitions/X`) are inlined; a recursive reference becomes `{}` past
 *   {@link MAX_REF_DEPTH} levels;
 * - `type: [T, "null"]` → `type: T, nullable: true`; `anyOf`/`oneOf` with a `{type:"null"}` branch →
 *   `nullable: true` (a single remaining branch is merged into the node); `oneOf` → `anyOf`;
 * - `const: "x"` → `enum: ["x"]`; a `null` enum member → `nullable: true`;
 * - string `format` is kept only for `enum` and `date-time` (Gemini rejects e.g. `uri`, `email`).
 * The keys of `properties` are property names, never filtered. The input is not mutated. Every keyword
 * the subset cannot say is named in `dropped` (annotations without meaning, like `$schema`, are not).
 *
 * Only Gemini 1.x and 2.0 need the subset: later models take full JSON Schema (`parametersJsonSchema`,
 * `responseJsonSchema`), passed as the client wrote it.
 */
import type { Json } from '../translate/types.js';
import { asObj, isObj } from '../../json.js';

const KEYWORDS = new Set([
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

/** Gemini 1.x and 2.0: JSON Schema is not documented for them; they get the OpenAPI subset. */
const OPENAPI_SCHEMA_ONLY = /gemini-(1\.|2\.0)/i;

export function usesOpenApiSchema(model: string): boolean {
  return OPENAPI_SCHEMA_ONLY.test(model);
}

/** Keywords that carry no constraint: leaving them out loses nothing, so they are not reported. */
const ANNOTATIONS = new Set(['$schema', '$id', '$comment', '$defs', 'definitions']);

const STRING_FORMATS = new Set(['enum', 'date-time']);
const MAX_REF_DEPTH = 8;

interface Ctx {
  readonly root: Json;
  readonly depth: number;
  /** Keywords left out, for `x-ai-extproc-dropped-params`. */
  readonly dropped: Set<string>;
}

function resolveRef(ref: string, ctx: Ctx): Json | undefined {
  const m = /^#\/(\$defs|definitions)\/(.+)$/.exec(ref);
  if (m === null) return undefined;
  const defs = asObj(ctx.root[m[1] ?? '']);
  const name = (m[2] ?? '').replace(/~1/g, '/').replace(/~0/g, '~');
  return asObj(defs?.[name]);
}

function isNullSchema(v: unknown): boolean {
  return isObj(v) && v.type === 'null';
}

function cleanNode(node: Json, ctx: Ctx): Json {
  if (typeof node.$ref === 'string') {
    const target = ctx.depth < MAX_REF_DEPTH ? resolveRef(node.$ref, ctx) : undefined;
    const { $ref: _ref, ...siblings } = node;
    if (target === undefined) {
      ctx.dropped.add('$ref');
      return cleanNode(siblings, ctx);
    }
    return cleanNode({ ...target, ...siblings }, { ...ctx, depth: ctx.depth + 1 });
  }
  const out: Json = {};
  let nullable = false;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'type' && Array.isArray(value)) {
      const types = (value as unknown[]).filter((t) => t !== 'null');
      if (types.length < value.length) nullable = true;
      if (types.length === 1) out.type = types[0];
      else if (types.length > 1) out.anyOf = types.map((t) => ({ type: t }));
      continue;
    }
    if (key === 'const') {
      if (typeof value === 'string' && out.enum === undefined) out.enum = [value];
      else ctx.dropped.add('const');
      continue;
    }
    if (key === 'anyOf' || key === 'oneOf') {
      if (!Array.isArray(value)) continue;
      const branches = value.filter((b) => !isNullSchema(b));
      if (branches.length < value.length) nullable = true;
      const cleaned = branches.filter(isObj).map((b) => cleanNode(b, ctx));
      if (cleaned.length === 1) Object.assign(out, cleaned[0]);
      else if (cleaned.length > 1) out.anyOf = cleaned;
      continue;
    }
    if (!KEYWORDS.has(key)) {
      if (!ANNOTATIONS.has(key)) ctx.dropped.add(key);
      continue;
    }
    if (key === 'enum' && Array.isArray(value)) {
      // Gemini enums are strings; a null member means "nullable".
      const members = (value as unknown[]).filter((v) => v !== null);
      if (members.length < value.length) nullable = true;
      out.enum = members;
      continue;
    }
    if (key === 'properties') {
      const props = asObj(value);
      if (props === undefined) continue;
      const cleaned: Json = {};
      for (const [name, sub] of Object.entries(props)) cleaned[name] = isObj(sub) ? cleanNode(sub, ctx) : sub;
      out.properties = cleaned;
      continue;
    }
    if (key === 'items') {
      if (isObj(value)) out.items = cleanNode(value, ctx);
      continue;
    }
    out[key] = value;
  }
  if (nullable) out.nullable = true;
  if (out.type === 'string' && typeof out.format === 'string' && !STRING_FORMATS.has(out.format)) {
    delete out.format;
    ctx.dropped.add('format');
  }
  return out;
}

/** The schema cleaned for Gemini (see the module comment); keywords left out are added to `dropped`. */
export function openAIToGeminiSchema(schema: Json, dropped: Set<string> = new Set()): Json {
  return cleanNode(schema, { root: schema, depth: 0, dropped });
}

/**
 * Function parameters for Gemini: cleaned, and omitted altogether for an object without properties
 * (Gemini rejects `properties` that is empty "for OBJECT type").
 */
export function functionParameters(schema: unknown, dropped?: Set<string>): Json | undefined {
  if (!isObj(schema)) return undefined;
  const cleaned = openAIToGeminiSchema(schema, dropped);
  const props = asObj(cleaned.properties);
  if (cleaned.type === 'object' && (props === undefined || Object.keys(props).length === 0)) return undefined;
  if (Object.keys(cleaned).length === 0) return undefined;
  return cleaned;
}
