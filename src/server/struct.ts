/**
 * google.protobuf.Struct ⇄ plain data. proto-loader keeps protobufjs' camelCase names for Value
 * (structValue, stringValue, numberValue): snake_case keys would be silently dropped.
 */
import type { Struct, Struct__Output } from './generated/google/protobuf/Struct.js';
import type { Value, Value__Output } from './generated/google/protobuf/Value.js';
import type { DynamicMetadata, MetadataValue } from '../pipeline/types.js';

function scalar(v: MetadataValue): Value {
  switch (typeof v) {
    case 'string':
      return { stringValue: v };
    case 'number':
      return { numberValue: v };
    default:
      return { boolValue: v };
  }
}

export function metadataStruct(md: DynamicMetadata | undefined): Struct | undefined {
  if (!md) return undefined;
  const fields: Record<string, Value> = {};
  let any = false;
  // for…in rather than Object.entries: no entry arrays on this per-reply path.
  for (const ns in md) {
    const values = md[ns]!;
    const inner: Record<string, Value> = {};
    for (const k in values) inner[k] = scalar(values[k]!);
    fields[ns] = { structValue: { fields: inner } };
    any = true;
  }
  return any ? { fields } : undefined;
}

export function valueToJs(v: Value__Output | null | undefined): unknown {
  if (!v) return null;
  switch (v.kind) {
    case 'stringValue':
      return v.stringValue;
    case 'numberValue':
      return v.numberValue;
    case 'boolValue':
      return v.boolValue;
    case 'structValue':
      return structToJs(v.structValue);
    case 'listValue':
      return (v.listValue?.values ?? []).map(valueToJs);
    default:
      return null;
  }
}

export function structToJs(s: Struct__Output | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!s) return out;
  for (const [k, v] of Object.entries(s.fields)) out[k] = valueToJs(v);
  return out;
}
