/** routes[i].policy → RoutePolicyConfig (plain frozen data). */
import type { LoadContext } from './context.js';
import { isObj } from '../../json.js';
import { deepFreeze } from './freeze.js';
import { compileGuards } from './guards.js';
import { compileCache } from './cache.js';
import type { PathSegment } from './issues.js';
import type { EnrichmentMessage, FieldDefault, PromptEnrichment, RoutePolicyConfig } from './types.js';

const ROLES: readonly string[] = ['system', 'developer', 'user', 'assistant'];
const FIELD = /^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)*$/;
const UNSAFE_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);
const RESERVED_FIELDS: Readonly<Record<string, string>> = {
  model: 'the model is chosen by the route: use the backend defaultModel or a models alias',
  messages: 'use promptEnrichment to add messages',
};

function messages(raw: unknown): EnrichmentMessage[] {
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((m): EnrichmentMessage[] =>
    isObj(m) && typeof m.role === 'string' && ROLES.includes(m.role) && typeof m.content === 'string'
      ? [{ role: m.role as EnrichmentMessage['role'], content: m.content }]
      : [],
  );
}

function enrichment(raw: unknown): PromptEnrichment | undefined {
  if (!isObj(raw)) return undefined;
  const prepend = messages(raw.prepend);
  const append = messages(raw.append);
  return prepend.length + append.length === 0 ? undefined : { prepend, append };
}

function defaults(raw: unknown, at: readonly PathSegment[], ctx: LoadContext): FieldDefault[] {
  if (!Array.isArray(raw)) return [];
  const out: FieldDefault[] = [];
  const seen = new Map<string, number>();
  raw.forEach((d, i) => {
    if (!isObj(d) || typeof d.field !== 'string' || !FIELD.test(d.field) || !('value' in d)) return;
    const where = [...at, i, 'field'];
    const reserved = RESERVED_FIELDS[d.field.split('.')[0]!];
    if (reserved !== undefined) return ctx.issues.add(where, `cannot be set here: ${reserved}`);
    if (d.field.split('.').some((s) => UNSAFE_SEGMENTS.has(s)))
      return ctx.issues.add(where, 'must not name __proto__, constructor or prototype');
    const first = seen.get(d.field);
    if (first !== undefined) return ctx.issues.add(where, `duplicate field (also in defaults[${first}])`);
    seen.set(d.field, i);
    out.push({ field: d.field, value: structuredClone(d.value), override: d.override === true });
  });
  return out;
}

export function compilePolicy(raw: unknown, at: readonly PathSegment[], ctx: LoadContext): RoutePolicyConfig {
  const p = isObj(raw) ? raw : {};
  return deepFreeze({
    promptEnrichment: enrichment(p.promptEnrichment),
    defaults: defaults(p.defaults, [...at, 'defaults'], ctx),
    guards: compileGuards(p.guards, [...at, 'guards'], ctx),
    streamUsage: p.streamUsage !== false,
    cache: compileCache(p.cache, raw, [...at, 'cache'], ctx),
  });
}
