/**
 * The MCP rules engine: which methods, tools, prompts and resources a client may use, decided on
 * plain data (a method and its params) and applied to list answers, so a client never sees what it
 * may not call. Pure code, shared by the ext_proc guard and (later) the federation endpoint.
 *
 * Semantics (as Envoy AI Gateway's toolSelector): an allow list, when given, admits only what it
 * matches; a deny list refuses what it matches; deny wins. Entries are exact names or RE2 patterns
 * that must match the whole name (linear time: a client-chosen name cannot hang the server).
 * A denied tool or prompt is answered like a missing one (the SDK's own words), a denied resource
 * with MCP's resource-not-found code.
 */
import type { JsonObject } from '../json.js';
import { isObj } from '../json.js';
import { PatternError, acquireRe2, leaseRe2, releaseRe2 } from '../guards/regex/re2-pool.js';
import type { SharedRe2 } from '../guards/regex/re2-pool.js';
import { INVALID_PARAMS, METHOD_NOT_FOUND, RESOURCE_NOT_FOUND } from './jsonrpc.js';
import type { RpcError } from './jsonrpc.js';

/** An exact name, or an RE2 pattern matching the whole name. */
export type NamePattern = string | { readonly regex: string };

export interface NameRuleSpec {
  readonly allow?: readonly NamePattern[];
  readonly deny?: readonly NamePattern[];
}

/** The rules of one MCP route, as plain data. */
export interface McpRuleSpec {
  /** Request methods a client may call; absent: every method. Lifecycle methods always pass. */
  readonly methods?: readonly string[];
  /** tools/call and tools/list, by tool name. */
  readonly tools?: NameRuleSpec;
  /** prompts/get and prompts/list, by prompt name. */
  readonly prompts?: NameRuleSpec;
  /** resources/read, subscribe and resources/list, by URI (templates by their uriTemplate). */
  readonly resources?: NameRuleSpec;
}

/** What a rule is about, for metrics and logs. */
export type Subject = 'tool' | 'prompt' | 'resource';
/** List answers the rules filter. */
export type ListKind = 'tools' | 'prompts' | 'resources' | 'resourceTemplates';

export type Decision =
  | { readonly allow: true }
  | {
      readonly allow: false;
      /** method: not on the allow list; tool/prompt/resource: refused by name or URI; params: unreadable. */
      readonly reason: 'method' | 'params' | Subject;
      readonly error: RpcError;
    };

/** Methods every MCP client needs to talk at all (the handshake, liveness, discovery). */
export const LIFECYCLE_METHODS: ReadonlySet<string> = new Set(['initialize', 'ping', 'server/discover']);

/** The param that names what a request is about (and that Mcp-Name must equal). */
export function nameParam(method: string): 'name' | 'uri' | undefined {
  if (method === 'tools/call' || method === 'prompts/get') return 'name';
  if (method === 'resources/read' || method === 'resources/subscribe' || method === 'resources/unsubscribe')
    return 'uri';
  return undefined;
}

const SUBJECT_OF: Readonly<Record<string, Subject>> = {
  'tools/call': 'tool',
  'prompts/get': 'prompt',
  'resources/read': 'resource',
  'resources/subscribe': 'resource',
  'resources/unsubscribe': 'resource',
};

/** The list answer a method returns, and the array and key the rules read in it. */
export const LISTS: Readonly<
  Record<string, { readonly kind: ListKind; readonly field: string; readonly key: string }>
> = {
  'tools/list': { kind: 'tools', field: 'tools', key: 'name' },
  'prompts/list': { kind: 'prompts', field: 'prompts', key: 'name' },
  'resources/list': { kind: 'resources', field: 'resources', key: 'uri' },
  'resources/templates/list': { kind: 'resourceTemplates', field: 'resourceTemplates', key: 'uriTemplate' },
};

const SUBJECT_OF_LIST: Readonly<Record<ListKind, Subject>> = {
  tools: 'tool',
  prompts: 'prompt',
  resources: 'resource',
  resourceTemplates: 'resource',
};

export class McpRuleError extends Error {
  constructor(
    /** Where in the spec, e.g. ['tools', 'deny', 2, 'regex']. */
    readonly at: readonly (string | number)[],
    message: string,
  ) {
    super(message);
  }
}

type Test = (name: string) => boolean;

interface NameRule {
  readonly allow: Test | undefined;
  readonly deny: Test | undefined;
}

function compileList(
  list: readonly NamePattern[] | undefined,
  at: readonly (string | number)[],
  handles: SharedRe2[],
): Test | undefined {
  if (list === undefined) return undefined;
  const exact = new Set<string>();
  const patterns: SharedRe2[] = [];
  list.forEach((p, i) => {
    if (typeof p === 'string') {
      exact.add(p);
      return;
    }
    try {
      // Alone first: a pattern like "a)|(b" must not escape the anchors below.
      releaseRe2(acquireRe2(p.regex));
      const re = acquireRe2(`^(?:${p.regex})$`);
      handles.push(re);
      patterns.push(re);
    } catch (err) {
      const why = err instanceof PatternError || err instanceof Error ? err.message : String(err);
      throw new McpRuleError([...at, i, 'regex'], `is not a valid RE2 regex: ${why}`);
    }
  });
  const res = patterns.map((h) => h.compiled());
  if (res.length === 0) return (name) => exact.has(name);
  return (name) => exact.has(name) || res.some((re) => re.match(name, 0, false).index >= 0);
}

function compileRule(spec: NameRuleSpec | undefined, at: string, handles: SharedRe2[]): NameRule | undefined {
  if (spec === undefined || (spec.allow === undefined && spec.deny === undefined)) return undefined;
  return {
    allow: compileList(spec.allow, [at, 'allow'], handles),
    deny: compileList(spec.deny, [at, 'deny'], handles),
  };
}

function admits(rule: NameRule | undefined, name: string): boolean {
  if (rule === undefined) return true;
  if (rule.deny?.(name)) return false;
  return rule.allow === undefined || rule.allow(name);
}

const ALLOW: Decision = Object.freeze({ allow: true });

function refuse(subject: Subject, name: string): Decision {
  const shown = name.length > 200 ? `${name.slice(0, 200)}…` : name;
  if (subject === 'resource')
    return {
      allow: false,
      reason: subject,
      error: { code: RESOURCE_NOT_FOUND, message: `Resource ${shown} not found` },
    };
  const word = subject === 'tool' ? 'Tool' : 'Prompt';
  return {
    allow: false,
    reason: subject,
    error: { code: INVALID_PARAMS, message: `${word} ${shown} not found` },
  };
}

export class McpRules {
  private readonly methods: ReadonlySet<string> | undefined;
  private readonly rules: Readonly<Record<Subject, NameRule | undefined>>;
  private readonly handles: SharedRe2[] = [];
  /** Gives the compiled patterns back (idempotent; also done when the rules are collected). */
  readonly release: () => void;

  /** Compiles a spec; throws McpRuleError naming the bad entry. */
  constructor(spec: McpRuleSpec) {
    try {
      this.methods = spec.methods === undefined ? undefined : new Set(spec.methods);
      this.rules = {
        tool: compileRule(spec.tools, 'tools', this.handles),
        prompt: compileRule(spec.prompts, 'prompts', this.handles),
        resource: compileRule(spec.resources, 'resources', this.handles),
      };
    } catch (err) {
      for (const h of this.handles) releaseRe2(h);
      throw err;
    }
    this.release = leaseRe2(this, this.handles);
  }

  /** Any rule at all (a route without rules lets everything pass unread). */
  get empty(): boolean {
    return this.methods === undefined && !this.rules.tool && !this.rules.prompt && !this.rules.resource;
  }

  /** May a client send this request? */
  decide(method: string, params: JsonObject | undefined): Decision {
    if (this.methods !== undefined && !LIFECYCLE_METHODS.has(method) && !this.methods.has(method))
      return {
        allow: false,
        reason: 'method',
        error: { code: METHOD_NOT_FOUND, message: 'Method not found' },
      };
    const subject = SUBJECT_OF[method];
    if (subject === undefined) return ALLOW;
    const rule = this.rules[subject];
    if (rule === undefined) return ALLOW;
    const key = nameParam(method)!;
    const name = params?.[key];
    if (typeof name !== 'string')
      return {
        allow: false,
        reason: 'params',
        error: { code: INVALID_PARAMS, message: `params.${key} must be a string` },
      };
    return admits(rule, name) ? ALLOW : refuse(subject, name);
  }

  /** The list kind whose answer to `method` the rules filter, or undefined (nothing to filter). */
  filters(method: string): ListKind | undefined {
    const list = LISTS[method];
    if (list === undefined) return undefined;
    if (this.methods !== undefined && !this.methods.has(method)) return undefined;
    return this.rules[SUBJECT_OF_LIST[list.kind]] === undefined ? undefined : list.kind;
  }

  /** The items a client may see (order kept); items without a readable key are dropped. */
  filterList(
    kind: ListKind,
    items: readonly unknown[],
  ): { readonly items: unknown[]; readonly removed: number } {
    const rule = this.rules[SUBJECT_OF_LIST[kind]];
    if (rule === undefined) return { items: [...items], removed: 0 };
    const key = kind === 'resources' ? 'uri' : kind === 'resourceTemplates' ? 'uriTemplate' : 'name';
    const out = items.filter((it) => isObj(it) && typeof it[key] === 'string' && admits(rule, it[key]));
    return { items: out, removed: items.length - out.length };
  }

  /** Filters a list result in place (`result.tools` etc.); the number of items removed. */
  filterResult(method: string, result: JsonObject): number {
    const list = LISTS[method];
    if (list === undefined) return 0;
    const items = result[list.field];
    if (!Array.isArray(items)) return 0;
    const r = this.filterList(list.kind, items);
    if (r.removed > 0) result[list.field] = r.items;
    return r.removed;
  }
}
