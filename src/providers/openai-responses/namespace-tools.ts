/**
 * Responses `namespace` tools (`{type: 'namespace', name, description, tools: [function…]}`: Codex
 * groups each MCP server's tools this way, and the model's call names the tool and its `namespace`)
 * on providers that only have flat function tools. Each inner function goes upstream as one function
 * named `<namespace>__<name>`; a name that is too long or holds characters providers refuse becomes
 * its first 57 legal characters, `_` and a 6-hex-digit hash of the whole name (the names agentgateway
 * sends too, so a conversation can move between the two gateways). The model's call comes back to the
 * client as the function and its namespace, and a replayed call with a `namespace` goes back up under
 * the same flat name. A custom tool inside a namespace is both (./custom-tools.ts).
 */
import type { Json } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';
import { asArray, asObj, asString } from '../../json.js';
import { customToolAsFunction } from './custom-tools.js';

/** The upstream function a namespaced tool became, keyed by that flat name. */
export interface NamespacedTool {
  readonly namespace: string;
  readonly name: string;
  /** A custom tool (./custom-tools.ts) inside the namespace. */
  readonly custom: boolean;
}

const LEGAL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The flat upstream name of `name` in `namespace`. */
export function namespacedName(namespace: string, name: string): string {
  const whole = `${namespace}__${name}`;
  if (LEGAL_NAME.test(whole)) return whole;
  return `${whole.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 57)}_${hashSuffix(whole)}`;
}

/** The canonical function tools for one namespace tool (functions and custom tools; others are dropped). */
export function namespaceToolFunctions(tool: Json, where: string, dropped: Set<string>): Json[] {
  const namespace = asString(tool.name);
  if (!namespace) throw new TranslationError(400, `${where}: a namespace tool needs a name`);
  const out: Json[] = [];
  for (const t of asArray(tool.tools)) {
    const inner = asObj(t);
    const name = asString(inner?.name);
    if (inner?.type === 'custom' && name) {
      out.push(customToolAsFunction(inner, namespacedName(namespace, name)));
      continue;
    }
    if (inner?.type !== 'function' || !name) {
      dropped.add(`tools.namespace.tools.${asString(inner?.type) ?? 'unknown'}`);
      continue;
    }
    const fn: Json = {
      name: namespacedName(namespace, name),
      parameters: asObj(inner.parameters) ?? { type: 'object', properties: {} },
    };
    if (typeof inner.description === 'string') fn.description = inner.description;
    if (typeof inner.strict === 'boolean') fn.strict = inner.strict;
    out.push({ type: 'function', function: fn });
  }
  return out;
}

/** A Responses request's namespaced functions by their flat upstream name. */
export function namespacedTools(body: Json): ReadonlyMap<string, NamespacedTool> {
  const out = new Map<string, NamespacedTool>();
  for (const t of asArray(body.tools)) {
    const tool = asObj(t);
    const namespace = asString(tool?.name);
    if (tool?.type !== 'namespace' || !namespace) continue;
    for (const i of asArray(tool.tools)) {
      const inner = asObj(i);
      const name = asString(inner?.name);
      const custom = inner?.type === 'custom';
      if (name) out.set(namespacedName(namespace, name), { namespace, name, custom });
    }
  }
  return out;
}

// SipHash-1-3 with zero keys over the UTF-8 bytes and a 0xff terminator: Rust's default hasher of a
// string, which agentgateway's names use; the last 6 hex digits of the 64-bit value.
const MASK = (1n << 64n) - 1n;
const rotl = (x: bigint, b: bigint): bigint => ((x << b) | (x >> (64n - b))) & MASK;

function hashSuffix(s: string): string {
  const data = [...Buffer.from(s, 'utf8'), 0xff];
  const v = [0x736f6d6570736575n, 0x646f72616e646f6dn, 0x6c7967656e657261n, 0x7465646279746573n];
  const round = (): void => {
    const [a = 0n, b = 0n, c = 0n, d = 0n] = v;
    let v0 = (a + b) & MASK;
    let v1 = rotl(b, 13n) ^ v0;
    v0 = rotl(v0, 32n);
    let v2 = (c + d) & MASK;
    let v3 = rotl(d, 16n) ^ v2;
    v0 = (v0 + v3) & MASK;
    v3 = rotl(v3, 21n) ^ v0;
    v2 = (v2 + v1) & MASK;
    v1 = rotl(v1, 17n) ^ v2;
    v2 = rotl(v2, 32n);
    v.splice(0, 4, v0, v1, v2, v3);
  };
  const word = (at: number, n: number): bigint => {
    let m = 0n;
    for (let i = 0; i < n; i++) m |= BigInt(data[at + i] ?? 0) << BigInt(8 * i);
    return m;
  };
  const full = data.length - (data.length % 8);
  const compress = (m: bigint): void => {
    v[3] = (v[3] ?? 0n) ^ m;
    round();
    v[0] = (v[0] ?? 0n) ^ m;
  };
  for (let at = 0; at < full; at += 8) compress(word(at, 8));
  compress(word(full, data.length - full) | (BigInt(data.length & 0xff) << 56n));
  v[2] = (v[2] ?? 0n) ^ 0xffn;
  round();
  round();
  round();
  const h = (v[0] ?? 0n) ^ (v[1] ?? 0n) ^ (v[2] ?? 0n) ^ (v[3] ?? 0n);
  return h.toString(16).padStart(16, '0').slice(-6);
}
