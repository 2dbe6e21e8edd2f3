/**
 * A route's MCP policy: default rules, and rules for named clients. The first client entry naming
 * the caller replaces the default rules for that caller; everyone else (and an unidentified caller)
 * gets the default. Plain data in and out, like McpRules, so the federation endpoint can use it.
 */
import type { JsonObject } from '../json.js';
import type { Decision, ListKind, McpRuleSpec } from './rules.js';
import { McpRuleError, McpRules } from './rules.js';

/** Who is calling, as the identity stage or the federation endpoint knows it. */
export interface McpIdentity {
  readonly client: string | undefined;
}

export interface ClientRuleSpec extends McpRuleSpec {
  /** Client names this entry applies to. */
  readonly clients: readonly string[];
}

export interface McpPolicySpec extends McpRuleSpec {
  readonly clientRules?: readonly ClientRuleSpec[];
}

export class McpPolicy {
  readonly defaults: McpRules;
  private readonly byClient = new Map<string, McpRules>();
  private readonly all: McpRules[];

  /** Compiles a spec; throws McpRuleError naming the bad entry (client entries: ['clientRules', i, …]). */
  constructor(spec: McpPolicySpec) {
    const { clientRules, ...defaults } = spec;
    this.defaults = new McpRules(defaults);
    this.all = [this.defaults];
    try {
      (clientRules ?? []).forEach((entry, i) => {
        const { clients, ...rules } = entry;
        let compiled: McpRules;
        try {
          compiled = new McpRules(rules);
        } catch (err) {
          if (err instanceof McpRuleError) throw new McpRuleError(['clientRules', i, ...err.at], err.message);
          throw err;
        }
        this.all.push(compiled);
        // The first entry naming a client wins.
        for (const c of clients) if (!this.byClient.has(c)) this.byClient.set(c, compiled);
      });
    } catch (err) {
      this.release();
      throw err;
    }
  }

  /** The rules that apply to this caller. */
  rulesFor(identity: McpIdentity | undefined): McpRules {
    const c = identity?.client;
    return (c === undefined ? undefined : this.byClient.get(c)) ?? this.defaults;
  }

  /** No rule for anyone: traffic passes unread. */
  get empty(): boolean {
    return this.all.every((r) => r.empty);
  }

  decide(method: string, params: JsonObject | undefined, identity?: McpIdentity): Decision {
    return this.rulesFor(identity).decide(method, params);
  }

  filters(method: string, identity?: McpIdentity): ListKind | undefined {
    return this.rulesFor(identity).filters(method);
  }

  filterList(kind: ListKind, items: readonly unknown[], identity?: McpIdentity) {
    return this.rulesFor(identity).filterList(kind, items);
  }

  filterResult(method: string, result: JsonObject, identity?: McpIdentity): number {
    return this.rulesFor(identity).filterResult(method, result);
  }

  release(): void {
    for (const r of this.all) r.release();
  }
}
