/**
 * The schema of an OpenAI `response_format: json_schema`, for providers whose structured-output field
 * holds only a schema (Anthropic `output_config.format`, Gemini `responseJsonSchema`/`responseSchema`).
 * The format's `description` (what the model should produce) then goes in the schema's own top-level
 * `description`, where the model reads it, unless the schema has one.
 */
import type { Json } from './types.js';
import { asObj } from '../../json.js';

export function jsonSchemaOf(responseFormat: Json): Json | undefined {
  const spec = asObj(responseFormat.json_schema);
  const schema = asObj(spec?.schema);
  if (schema === undefined) return undefined;
  const description = spec?.description;
  if (typeof description !== 'string' || description === '' || schema.description !== undefined)
    return schema;
  return { ...schema, description };
}
