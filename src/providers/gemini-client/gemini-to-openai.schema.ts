/**
 * Gemini `Schema` (OpenAPI 3.0 subset: upper-case `type`, `nullable`, `format`, `enum`, `items`,
 * `properties`, `required`, `anyOf`, `propertyOrdering`) → JSON Schema, as OpenAI, Anthropic and
 * Bedrock take it. Bounded in depth: a schema nested deeper than a real one is refused.
 */
import type { Json } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import { asObj } from '../../json.js';

const MAX_DEPTH = 64;
/** Google-only keys with no JSON Schema meaning. */
const SKIPPED = new Set(['nullable', 'propertyOrdering', 'type']);

function convert(s: Json, depth: number): Json {
  if (depth > MAX_DEPTH) throw new TranslationError(400, 'schema is nested too deeply');
  const out: Json = {};
  const type = typeof s.type === 'string' ? s.type.toLowerCase() : undefined;
  if (type !== undefined && type !== 'type_unspecified')
    out.type = s.nullable === true ? [type, 'null'] : type;
  for (const [k, v] of Object.entries(s)) {
    if (SKIPPED.has(k)) continue;
    if (k === 'properties') {
      const props: Json = {};
      for (const [name, p] of Object.entries(asObj(v) ?? {})) {
        const ps = asObj(p);
        if (ps) props[name] = convert(ps, depth + 1);
      }
      out.properties = props;
    } else if (k === 'items') {
      const it = asObj(v);
      if (it) out.items = convert(it, depth + 1);
    } else if (k === 'anyOf' && Array.isArray(v)) {
      out.anyOf = v
        .map((x) => asObj(x))
        .filter((x): x is Json => x !== undefined)
        .map((x) => convert(x, depth + 1));
    } else out[k] = v;
  }
  return out;
}

export function geminiSchemaToJsonSchema(schema: Json): Json {
  return convert(schema, 0);
}
