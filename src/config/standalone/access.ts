/**
 * clients, identity, limits, pricing and stores → the ClientDirectory, the limits and prices each
 * route's AccessPolicy holds, and the store settings. Virtual keys are kept only as HMACs under a
 * per-process random key: nothing compiled holds a key, and lookups compare digests in constant time.
 */
import crypto from 'node:crypto';
import type { AccessPolicy, ClientDirectory, ClientIdentity } from '../client-identity.js';
import type { Dimension, KeyPart, LimitSpec, Price, Quota } from '../../limits/types.js';
import type { LoadContext } from './context.js';
import { isObj } from '../../json.js';
import type { PathSegment } from './issues.js';
import { resolveSecret } from './secrets.js';
import type { CompiledBackend, CompiledRoute } from './types.js';

export interface RedisSettings {
  /** The URL may hold a password: read it through this, never log it. */
  readonly url: () => string;
  readonly failOpen: boolean;
  readonly timeoutMs: number;
}

/** stores.postgres: the semantic cache's shared store (pgvector). */
export interface PostgresSettings {
  /** The URL may hold a password: read it through this, never log it. */
  readonly url: () => string;
  readonly table: string;
  readonly dimensions: number;
  readonly maxConnections: number;
}

export interface StoreSettings {
  readonly redis: RedisSettings | undefined;
  readonly postgres?: PostgresSettings;
  readonly reservationTtlMs: number;
}

export interface CompiledAccess {
  readonly clients: ClientDirectory;
  readonly limits: readonly LimitSpec[];
  readonly pricing: ReadonlyMap<string, Price>;
  readonly stores: StoreSettings;
}

const WINDOW_MS: Readonly<Record<string, number>> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
};
const DEFAULT_MAX_OUTPUT = 4096;
const HMAC_KEY = crypto.randomBytes(32);
const digest = (key: string): Buffer => crypto.createHmac('sha256', HMAC_KEY).update(key).digest();

function directory(raw: unknown, identity: unknown, ctx: LoadContext): ClientDirectory {
  const byDigest = new Map<string, { digest: Buffer; client: ClientIdentity }>();
  const byName = new Map<string, ClientIdentity>();
  const teams = new Set<string>();
  for (const [name, c] of Object.entries(isObj(raw) ? raw : {})) {
    if (!isObj(c)) continue;
    const key = resolveSecret(c.key, ['clients', name, 'key'], ctx);
    const team = typeof c.team === 'string' ? c.team : undefined;
    const tags = Array.isArray(c.tags) ? c.tags.filter((t): t is string => typeof t === 'string') : [];
    const client: ClientIdentity = Object.freeze({ name, team, tags: Object.freeze(tags), via: 'key' });
    byName.set(name, client);
    if (team !== undefined) teams.add(team);
    if (key === undefined) continue;
    const d = digest(key);
    const hex = d.toString('hex');
    const dup = byDigest.get(hex);
    // Placeholder secrets (envoy-config) are all equal: only real keys must differ.
    if (dup && ctx.secrets === 'resolve')
      ctx.issues.add(['clients', name, 'key'], `the same key as client ${dup.client.name}`);
    else byDigest.set(hex, { digest: d, client });
  }
  const id = isObj(identity) ? identity : {};
  const header = typeof id.header === 'string' ? id.header.toLowerCase() : undefined;
  const teamHeader = typeof id.teamHeader === 'string' ? id.teamHeader.toLowerCase() : undefined;
  return Object.freeze({
    byKey: (key: string) => {
      const d = digest(key);
      const hit = byDigest.get(d.toString('hex'));
      return hit && crypto.timingSafeEqual(hit.digest, d) ? hit.client : undefined;
    },
    byName: (name: string) => byName.get(name),
    names: new Set(byName.keys()),
    teams,
    identityHeader: header,
    teamHeader,
  });
}

function keyParts(raw: unknown): KeyPart[] {
  if (!Array.isArray(raw)) return [];
  return (raw as unknown[]).flatMap((k): KeyPart[] => {
    if (k === 'client' || k === 'team' || k === 'route' || k === 'model' || k === 'ip') return [{ kind: k }];
    if (isObj(k) && typeof k.header === 'string') return [{ kind: 'header', name: k.header.toLowerCase() }];
    return [];
  });
}

function quota(raw: unknown, scale: number): Quota | undefined {
  if (!isObj(raw) || typeof raw.limit !== 'number' || typeof raw.per !== 'string') return undefined;
  const windowMs = WINDOW_MS[raw.per];
  return windowMs === undefined ? undefined : { limit: Math.floor(raw.limit * scale), windowMs };
}

function limits(
  raw: unknown,
  at: readonly PathSegment[],
  idPrefix: string,
  taken: Set<string>,
  ctx: LoadContext,
): LimitSpec[] {
  if (!Array.isArray(raw)) return [];
  const out: LimitSpec[] = [];
  raw.forEach((l, i) => {
    if (!isObj(l) || typeof l.name !== 'string') return;
    if (taken.has(l.name)) return ctx.issues.add([...at, i, 'name'], `duplicate limit name ${l.name}`);
    taken.add(l.name);
    const quotas: Partial<Record<Dimension, Quota>> = {};
    const requests = quota(l.requests, 1);
    const tokens = quota(l.tokens, 1);
    // Cost is counted in micro-USD (integers in every store).
    const cost = quota(l.cost, 1_000_000);
    if (requests) quotas.requests = requests;
    if (tokens) quotas.tokens = tokens;
    if (cost) quotas.cost = cost;
    out.push(
      Object.freeze({
        name: l.name,
        id: `${idPrefix}${l.name}`,
        key: Object.freeze(keyParts(l.key)),
        quotas: Object.freeze(quotas),
      }),
    );
  });
  return out;
}

function pricing(raw: unknown): Map<string, Price> {
  const out = new Map<string, Price>();
  for (const [model, p] of Object.entries(isObj(raw) ? raw : {})) {
    if (!isObj(p) || typeof p.input !== 'number' || typeof p.output !== 'number') continue;
    out.set(
      model,
      Object.freeze({
        input: p.input,
        output: p.output,
        cachedInput: typeof p.cachedInput === 'number' ? p.cachedInput : undefined,
      }),
    );
  }
  return out;
}

function stores(raw: unknown, ctx: LoadContext): StoreSettings {
  const ttl = isObj(raw) && typeof raw.reservationTtlSeconds === 'number' ? raw.reservationTtlSeconds : 600;
  const reservationTtlMs = ttl * 1000;
  const postgres = postgresStore(isObj(raw) ? raw.postgres : undefined, ctx);
  const r = isObj(raw) && isObj(raw.redis) ? raw.redis : undefined;
  const url = r ? resolveSecret(r.url, ['stores', 'redis', 'url'], ctx) : undefined;
  if (!r || url === undefined)
    return Object.freeze({ redis: undefined, reservationTtlMs, ...(postgres ? { postgres } : {}) });
  if (ctx.secrets === 'resolve' && !/^rediss?:\/\//.test(url))
    ctx.issues.add(['stores', 'redis', 'url'], 'must be a redis:// or rediss:// URL');
  return Object.freeze({
    reservationTtlMs,
    ...(postgres ? { postgres } : {}),
    redis: Object.freeze({
      url: () => url,
      failOpen: r.failOpen !== false,
      timeoutMs: typeof r.timeoutMs === 'number' ? r.timeoutMs : 250,
    }),
  });
}

function postgresStore(p: unknown, ctx: LoadContext): PostgresSettings | undefined {
  if (!isObj(p)) return undefined;
  const url = resolveSecret(p.url, ['stores', 'postgres', 'url'], ctx);
  if (url === undefined) return undefined;
  if (ctx.secrets === 'resolve' && !/^postgres(ql)?:\/\//.test(url))
    ctx.issues.add(['stores', 'postgres', 'url'], 'must be a postgres:// or postgresql:// URL');
  return Object.freeze({
    url: () => url,
    table: typeof p.table === 'string' ? p.table : 'ai_extproc_cache',
    dimensions: typeof p.dimensions === 'number' ? p.dimensions : 384,
    maxConnections: typeof p.maxConnections === 'number' ? p.maxConnections : 4,
  });
}

export function compileAccess(data: Record<string, unknown>, ctx: LoadContext): CompiledAccess {
  return {
    clients: directory(data.clients, data.identity, ctx),
    limits: limits(data.limits, ['limits'], 'g/', new Set(), ctx),
    pricing: pricing(data.pricing),
    stores: stores(data.stores, ctx),
  };
}

/** A route's AccessPolicy: undefined when the route neither identifies clients nor limits them. */
export function routeAccess(
  route: CompiledRoute,
  rawPolicy: unknown,
  access: CompiledAccess,
  backendsByName: ReadonlyMap<string, CompiledBackend>,
  ctx: LoadContext,
): AccessPolicy | undefined {
  const p = isObj(rawPolicy) ? rawPolicy : {};
  const at: PathSegment[] = ['routes', route.index, 'policy'];
  const requireClient = p.requireClient === true;
  const c = access.clients;
  const identifies = c.names.size > 0 || c.identityHeader !== undefined;
  if (requireClient && !identifies)
    ctx.issues.add([...at, 'requireClient'], 'no clients and no identity header are configured');
  const backends = route.backend
    ? [route.backend]
    : Object.values(route.models ?? {}).flatMap((m) =>
        // A failover alias: every target's backend may receive the request.
        m.failover ? m.failover.targets.map((t) => t.backend) : (backendsByName.get(m.backend) ?? []),
      );
  const passthrough = backends.some((b) => b.auth.kind === 'passthrough');
  for (const b of backends)
    if (requireClient && b.auth.kind === 'passthrough')
      ctx.issues.add(
        [...at, 'requireClient'],
        `backend ${b.name} passes the client's key through: a virtual key must never reach a provider`,
      );
  const own = limits(
    p.limits,
    [...at, 'limits'],
    `r/${route.name}/`,
    new Set(access.limits.map((l) => l.name)),
    ctx,
  );
  const all = Object.freeze([...access.limits, ...own]);
  for (const l of all) {
    if (l.quotas.cost && access.pricing.size === 0)
      ctx.issues.add([...at], `limit ${l.name} counts cost, and there is no pricing table`);
    if (!identifies && l.key.some((k) => k.kind === 'client' || k.kind === 'team'))
      ctx.issues.add(
        [...at],
        `limit ${l.name} keys on the client, and no clients or identity header are configured`,
      );
  }
  if (!requireClient && !identifies && all.length === 0) return undefined;
  return Object.freeze({
    clients: c,
    requireClient,
    readsKeys: c.names.size > 0 && !passthrough,
    limits: all,
    pricing: access.pricing,
    maxOutputTokens: typeof p.maxOutputTokens === 'number' ? p.maxOutputTokens : DEFAULT_MAX_OUTPUT,
    providerModel: (model: string) => {
      const r = route.resolveModel(model);
      return 'error' in r ? model : r.model;
    },
  });
}
