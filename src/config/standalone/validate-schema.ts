/** Validates the parsed file against CONFIG_SCHEMA and turns ajv errors into readable issues. */
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { PathSegment, RawIssue } from './issues.js';
import { CONFIG_SCHEMA } from './schema.js';
import { isObj } from '../../json.js';

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled === undefined) {
    const ajv = new Ajv({
      allErrors: true,
      verbose: true,
      strict: true,
      strictRequired: false,
      allowUnionTypes: true,
      logger: false,
    });
    ajv.addVocabulary(['errorMessage', 'patternErrorMessage']);
    compiled = ajv.compile(CONFIG_SCHEMA);
  }
  return compiled;
}

/** JSON pointer → path segments; array positions become numbers (decided by the data). */
function segmentsOf(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const out: PathSegment[] = [];
  let cur: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) {
      const i = Number(key);
      out.push(i);
      cur = cur[i];
    } else {
      out.push(key);
      cur = isObj(cur) ? cur[key] : undefined;
    }
  }
  return out;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

function suggestion(key: string, known: readonly string[]): string {
  const lower = key.toLowerCase();
  const best = known
    .map((k) => ({ k, d: k.toLowerCase() === lower ? 0 : distance(lower, k.toLowerCase()) }))
    .sort((x, y) => x.d - y.d)[0];
  return best !== undefined && best.d <= Math.max(1, Math.floor(key.length / 4))
    ? ` (did you mean ${best.k}?)`
    : '';
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  null: 'null',
};

function typeMessage(type: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  return `must be ${types.map((t) => TYPE_NAMES[String(t)] ?? String(t)).join(' or ')}`;
}

/** Keys of a oneOf whose branches are all `{ required: [key] }`, else undefined. */
function exclusiveKeys(branches: unknown): string[] | undefined {
  if (!Array.isArray(branches)) return undefined;
  const keys: string[] = [];
  for (const b of branches) {
    const req = isObj(b) ? b.required : undefined;
    if (!Array.isArray(req) || req.length !== 1 || typeof req[0] !== 'string') return undefined;
    keys.push(req[0]);
  }
  return keys;
}

function orList(keys: readonly string[]): string {
  return keys.length <= 2 ? keys.join(' or ') : `${keys.slice(0, -1).join(', ')} or ${keys[keys.length - 1]}`;
}

function describe(e: ErrorObject, base: PathSegment[]): RawIssue | undefined {
  const parent = isObj(e.parentSchema) ? e.parentSchema : {};
  const custom = typeof parent.errorMessage === 'string' ? parent.errorMessage : undefined;
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { segments: [...base, String(p.missingProperty)], message: custom ?? 'is required' };
    case 'additionalProperties': {
      const key = String(p.additionalProperty);
      const known = isObj(parent.properties) ? Object.keys(parent.properties) : [];
      return { segments: [...base, key], message: `unknown key${suggestion(key, known)}` };
    }
    case 'oneOf': {
      const keys = exclusiveKeys(e.schema);
      if (keys !== undefined) {
        // Not a mapping at all: the type error says so.
        if (!isObj(e.data)) return undefined;
        const data = e.data;
        const present = keys.filter((k) => k in data);
        const message =
          present.length > 1
            ? `has ${present.join(' and ')}: use exactly one of ${orList(keys)}`
            : `needs one of ${orList(keys)}`;
        return { segments: base, message };
      }
      break;
    }
    case 'type':
      return { segments: base, message: custom ?? typeMessage(p.type) };
    case 'enum':
      return {
        segments: base,
        message: `must be one of: ${(p.allowedValues as unknown[]).map((v) => String(v)).join(', ')}`,
      };
    case 'const':
      return { segments: base, message: custom ?? `must be ${JSON.stringify(p.allowedValue)}` };
    case 'pattern': {
      const m = typeof parent.patternErrorMessage === 'string' ? parent.patternErrorMessage : undefined;
      return { segments: base, message: m ?? `must match ${String(p.pattern)}` };
    }
    case 'minLength':
      return {
        segments: base,
        message: p.limit === 1 ? 'must not be empty' : `must have at least ${String(p.limit)} characters`,
      };
    case 'minItems':
    case 'minProperties':
      return {
        segments: base,
        message: p.limit === 1 ? 'must not be empty' : `must have at least ${String(p.limit)} entries`,
      };
    case 'minimum':
    case 'maximum':
      return {
        segments: base,
        message: `must be ${e.keyword === 'minimum' ? '>=' : '<='} ${String(p.limit)}`,
      };
    default:
      break;
  }
  return { segments: base, message: custom ?? e.message ?? 'is invalid' };
}

/** Schema issues of `data`, deduplicated, never quoting data values. */
export function schemaIssues(data: unknown): RawIssue[] {
  const validate = validator();
  if (validate(data)) return [];
  const errors = validate.errors ?? [];
  // oneOf branch failures and `if` are noise next to the oneOf / then errors they explain.
  const oneOfs = errors.filter((e) => e.keyword === 'oneOf');
  const unknownKeyAt = new Set(
    errors.filter((e) => e.keyword === 'additionalProperties').map((e) => e.instancePath),
  );
  const kept = errors.filter((e) => {
    if (e.keyword === 'if' || e.keyword === 'propertyNames') return false;
    if (e.keyword === 'oneOf' && e.params.passingSchemas === null && unknownKeyAt.has(e.instancePath))
      return false;
    return !oneOfs.some(
      (o) => o !== e && e.schemaPath.startsWith(`${o.schemaPath}/`) && e.instancePath === o.instancePath,
    );
  });
  const out: RawIssue[] = [];
  const seen = new Set<string>();
  for (const e of kept) {
    const base = segmentsOf(e.instancePath, data);
    let issue = describe(e, base);
    if (issue === undefined) continue;
    if (e.propertyName !== undefined) {
      issue = { segments: [...base, e.propertyName], message: `name ${issue.message}` };
    }
    const key = JSON.stringify([issue.segments, issue.message]);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(issue);
  }
  return out;
}

/** For tests and tooling: true if `data` is valid against the schema. */
export function isSchemaValid(data: unknown): boolean {
  return validator()(data);
}
