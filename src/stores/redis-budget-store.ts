/**
 * Budgets in Redis, shared by every replica. One Lua script reserves on all the counters of a
 * request atomically (all or none) and one settles; a reservation is a member of a sorted set
 * scored by its expiry, so a crashed replica's holds are dropped by the next script that touches
 * the counter. Time is Redis's own (TIME), so replicas agree on expiry.
 *
 * Per counter K: hash K {s: settled, h: held}, sorted set K:r (id → expiry ms), hash K:a (id →
 * amount); all expire after the window (plus the reservation TTL). Amounts are integers (tokens,
 * requests, micro-USD). Commands fail at once while disconnected (no offline queue) and after
 * timeoutMs otherwise: the budget stage then fails open or closed, as configured.
 */
import crypto from 'node:crypto';
import { createClient } from 'redis';
import type { BudgetStore, CounterHold, ReserveResult } from '../limits/types.js';
import { StoreError } from '../limits/types.js';

const PREFIX = 'ai-extproc:budget:';

// ARGV: id, ttl, then per key: limit, amount, windowEndsAt. Returns {-1} or {blocked, used...}.
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id, ttl = ARGV[1], tonumber(ARGV[2])
local used, blocked = {}, -1
for i = 1, #KEYS do
  local k = KEYS[i]
  local gone = redis.call('ZRANGEBYSCORE', k .. ':r', '-inf', now, 'LIMIT', 0, 1000)
  if #gone > 0 then
    local sum = 0
    for _, a in ipairs(redis.call('HMGET', k .. ':a', unpack(gone))) do sum = sum + (tonumber(a) or 0) end
    redis.call('HINCRBY', k, 'h', -sum)
    redis.call('ZREM', k .. ':r', unpack(gone))
    redis.call('HDEL', k .. ':a', unpack(gone))
  end
  local v = redis.call('HMGET', k, 's', 'h')
  used[i] = (tonumber(v[1]) or 0) + (tonumber(v[2]) or 0)
  local base = 3 + (i - 1) * 3
  if blocked < 0 and used[i] + tonumber(ARGV[base + 1]) > tonumber(ARGV[base]) then blocked = i - 1 end
end
if blocked >= 0 then
  local out = { blocked }
  for i = 1, #used do out[i + 1] = used[i] end
  return out
end
for i = 1, #KEYS do
  local k = KEYS[i]
  local base = 3 + (i - 1) * 3
  local amount = tonumber(ARGV[base + 1])
  local until_ = tonumber(ARGV[base + 2]) + ttl
  redis.call('HINCRBY', k, 'h', amount)
  redis.call('ZADD', k .. ':r', now + ttl, id)
  redis.call('HSET', k .. ':a', id, amount)
  redis.call('PEXPIREAT', k, until_)
  redis.call('PEXPIREAT', k .. ':r', until_)
  redis.call('PEXPIREAT', k .. ':a', until_)
end
return { -1 }
`;

// ARGV: id, ttl, then per key: actual, windowEndsAt.
const SETTLE = `
local id, ttl = ARGV[1], tonumber(ARGV[2])
for i = 1, #KEYS do
  local k = KEYS[i]
  local base = 3 + (i - 1) * 2
  local a = redis.call('HGET', k .. ':a', id)
  if a then
    redis.call('HINCRBY', k, 'h', -tonumber(a))
    redis.call('HDEL', k .. ':a', id)
    redis.call('ZREM', k .. ':r', id)
  end
  redis.call('HINCRBY', k, 's', tonumber(ARGV[base]))
  redis.call('PEXPIREAT', k, tonumber(ARGV[base + 1]) + ttl)
end
return 1
`;

const sha1 = (s: string): string => crypto.createHash('sha1').update(s).digest('hex');

export interface RedisBudgetStoreOptions {
  readonly url: string;
  readonly timeoutMs: number;
  /** Connection problems (logged by the caller, rate-limited). */
  readonly onError?: (err: Error) => void;
}

export class RedisBudgetStore implements BudgetStore {
  readonly kind = 'redis';
  private readonly client;
  private readonly reserveSha = sha1(RESERVE);
  private readonly settleSha = sha1(SETTLE);
  /** The TTL of the last reservation: settle extends the counter's expiry by the same. */
  private ttlMs = 600_000;

  constructor(private readonly opts: RedisBudgetStoreOptions) {
    this.client = createClient({
      url: opts.url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: Math.max(opts.timeoutMs, 1000),
        reconnectStrategy: (retries: number) => Math.min(50 * (retries + 1), 1000),
      },
    });
    this.client.on('error', (err: Error) => opts.onError?.(err));
    this.connecting = new Promise((resolve) => this.client.once('ready', () => resolve()));
    // Never awaited alone: while Redis is down, calls fail at once and the stage applies failOpen.
    this.client.connect().catch((err: unknown) => opts.onError?.(err as Error));
  }

  private readonly connecting: Promise<void>;

  /** Resolves when the first connection is up, or after `waitMs` (Redis may be down at start). */
  async ready(waitMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), waitMs)));
    try {
      return await Promise.race([this.connecting.then(() => true), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async run(script: string, sha: string, keys: string[], args: string[]): Promise<unknown> {
    const call = async (): Promise<unknown> => {
      try {
        return await this.client.evalSha(sha, { keys, arguments: args });
      } catch (err) {
        // First use on this server (or after a restart that lost the script cache).
        if (err instanceof Error && err.message.startsWith('NOSCRIPT'))
          return this.client.eval(script, { keys, arguments: args });
        throw err;
      }
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new StoreError(`redis: no answer in ${this.opts.timeoutMs} ms`)),
        this.opts.timeoutMs,
      );
    });
    try {
      return await Promise.race([call(), timeout]);
    } catch (err) {
      throw err instanceof StoreError
        ? err
        : new StoreError(`redis: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  async reserve(id: string, holds: readonly CounterHold[], ttlMs: number): Promise<ReserveResult> {
    this.ttlMs = ttlMs;
    const args = [id, String(ttlMs)];
    for (const h of holds)
      args.push(String(Math.floor(h.limit)), String(Math.ceil(h.amount)), String(h.windowEndsAt));
    const out = (await this.run(
      RESERVE,
      this.reserveSha,
      holds.map((h) => PREFIX + h.key),
      args,
    )) as number[];
    const blocked = Number(out[0]);
    return blocked < 0 ? { ok: true } : { ok: false, blocked, used: out.slice(1).map(Number) };
  }

  async settle(id: string, holds: readonly CounterHold[], actual: readonly number[]): Promise<void> {
    const args = [id, String(this.ttlMs)];
    holds.forEach((h, i) => args.push(String(Math.ceil(actual[i] ?? 0)), String(h.windowEndsAt)));
    await this.run(
      SETTLE,
      this.settleSha,
      holds.map((h) => PREFIX + h.key),
      args,
    );
  }

  async used(key: string): Promise<number> {
    const v = await this.client.hmGet(PREFIX + key, ['s', 'h']);
    return v.reduce((sum, x) => sum + (Number(x) || 0), 0);
  }

  async close(): Promise<void> {
    try {
      await this.client.quit();
    } catch {
      this.client.destroy();
    }
  }
}
