/**
 * A fake vLLM server on loopback with a real queueing model, for endpoint-picking tests and the
 * bench: at most MAX_RUNNING requests run at once and the rest wait in FIFO order; a request's
 * service time grows with the running batch and with the part of its prompt not in the server's
 * prefix cache (so a prefix served recently here is served faster); /metrics reports the true
 * waiting and running counts, the KV-cache use of the running batch, and the server's LoRA
 * adapters in vLLM's formats.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { BlockLru, prefixHashes } from '../../src/picking/prefix-cache.js';

export const MAX_RUNNING = 4;

export interface FakeVllmOptions {
  readonly name: string;
  /** Base model served. */
  readonly model?: string;
  /** LoRA adapters loaded here (reported as running adapters, max_lora = their count). */
  readonly adapters?: readonly string[];
  /** Service time of an empty prompt alone on the server. */
  readonly baseMs?: number;
  /** Extra time per 1,000 uncached prompt characters. */
  readonly msPerKChar?: number;
  /** Each other running request slows a request by this share. */
  readonly batchSlowdown?: number;
  /** KV-cache capacity in prompt characters. */
  readonly kvChars?: number;
  /** Prefix-cache size in 64-character blocks (default 4096). */
  readonly cacheBlocks?: number;
  /** Report the old gauge name vllm:gpu_cache_usage_perc. */
  readonly oldKvName?: boolean;
}

interface Job {
  readonly chars: number;
  readonly hashes: readonly number[];
  readonly done: () => void;
  /** Phantom load: holds a slot for phantomMs once running (or until clearLoad). */
  readonly phantom: boolean;
  readonly phantomMs?: number;
}

export interface FakeVllm {
  readonly name: string;
  readonly port: number;
  readonly endpoint: string;
  /** Requests answered (not counting 503s). */
  served: number;
  readonly models: string[];
  /** Adds n phantom requests: they queue and run like real ones, each for holdMs (default 3 s). */
  addLoad(n: number, holdMs?: number): void;
  clearLoad(): void;
  /** Answer the next n chat requests with 503. */
  fail503(n: number): void;
  /** /metrics answers 500 while true. */
  metricsDown: boolean;
  close(): Promise<void>;
}

export async function startFakeVllm(o: FakeVllmOptions): Promise<FakeVllm> {
  const baseMs = o.baseMs ?? 20;
  const msPerKChar = o.msPerKChar ?? 4;
  const slowdown = o.batchSlowdown ?? 0.25;
  const kvChars = o.kvChars ?? 64_000;
  const adapters = o.adapters ?? [];
  const cache = new BlockLru(o.cacheBlocks ?? 4096);
  const running = new Set<Job>();
  const waiting: Job[] = [];
  let failing = 0;
  let phantoms: Job[] = [];

  const pump = (): void => {
    while (running.size < MAX_RUNNING && waiting.length > 0) {
      const job = waiting.shift()!;
      running.add(job);
      if (job.phantom) {
        setTimeout(() => {
          if (!running.delete(job)) return;
          phantoms = phantoms.filter((j) => j !== job);
          pump();
        }, job.phantomMs ?? 3000).unref();
        continue;
      }
      const cached = cache.matched(job.hashes) * 64;
      const ms =
        (baseMs + (msPerKChar * Math.max(0, job.chars - cached)) / 1000) *
        (1 + slowdown * (running.size - 1));
      setTimeout(() => {
        running.delete(job);
        cache.add(job.hashes);
        job.done();
        pump();
      }, ms);
    }
  };

  const metrics = (): string => {
    const kv = Math.min(
      1,
      [...running].reduce((n, j) => n + (j.phantom ? kvChars / 4 : j.chars), 0) / kvChars,
    );
    const kvName = o.oldKvName ? 'vllm:gpu_cache_usage_perc' : 'vllm:kv_cache_usage_perc';
    const lines = [
      '# HELP vllm:num_requests_waiting Number of requests waiting to be processed.',
      '# TYPE vllm:num_requests_waiting gauge',
      `vllm:num_requests_waiting{model_name="${o.model ?? 'base'}"} ${waiting.length}`,
      '# TYPE vllm:num_requests_running gauge',
      `vllm:num_requests_running{model_name="${o.model ?? 'base'}"} ${running.size}`,
      `# TYPE ${kvName} gauge`,
      `${kvName}{model_name="${o.model ?? 'base'}"} ${kv}`,
      '# TYPE vllm:prompt_tokens_total counter',
      `vllm:prompt_tokens_total{model_name="${o.model ?? 'base'}"} 123`,
    ];
    if (adapters.length > 0)
      lines.push(
        '# TYPE vllm:lora_requests_info gauge',
        `vllm:lora_requests_info{max_lora="${adapters.length}",running_lora_adapters="${adapters.join(',')}",waiting_lora_adapters=""} ${Date.now() / 1000}`,
      );
    return lines.join('\n') + '\n';
  };

  const state = {
    name: o.name,
    port: 0,
    endpoint: '',
    served: 0,
    models: [] as string[],
    metricsDown: false,
    addLoad(n: number, holdMs = 3000) {
      for (let i = 0; i < n; i++) {
        const job: Job = { chars: 0, hashes: [], done: () => {}, phantom: true, phantomMs: holdMs };
        phantoms.push(job);
        waiting.push(job);
      }
      pump();
    },
    clearLoad() {
      for (const j of phantoms) {
        running.delete(j);
        const i = waiting.indexOf(j);
        if (i >= 0) waiting.splice(i, 1);
      }
      phantoms = [];
      pump();
    },
    fail503(n: number) {
      failing = n;
    },
    close: (): Promise<void> => Promise.resolve(),
  };

  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      if (state.metricsDown) res.writeHead(500).end();
      else res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics());
      return;
    }
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= 4 * 1024 * 1024) parts.push(c);
    });
    req.on('end', () => {
      if (failing > 0) {
        failing--;
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: 'overloaded', type: 'server_error' } }));
        return;
      }
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
      } catch {
        res.writeHead(400).end();
        return;
      }
      const model = typeof body.model === 'string' ? body.model : '';
      if (model !== (o.model ?? model) && !adapters.includes(model)) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: `model ${model} not found`, type: 'not_found' } }));
        return;
      }
      const msgs = Array.isArray(body.messages)
        ? (body.messages as { role?: string; content?: unknown }[])
        : [];
      // The same text the gateway hashes: role, colon, content.
      const prompt = msgs
        .map((m) => `${m.role ?? ''}:${typeof m.content === 'string' ? m.content : ''}`)
        .join('');
      const job: Job = {
        chars: prompt.length,
        hashes: prefixHashes(prompt),
        phantom: false,
        done: () => {
          state.served++;
          state.models.push(model);
          res.writeHead(200, { 'content-type': 'application/json', 'x-fake-vllm': o.name });
          res.end(
            JSON.stringify({
              id: `chatcmpl-${o.name}-${state.served}`,
              object: 'chat.completion',
              created: Math.floor(Date.now() / 1000),
              model,
              choices: [
                {
                  index: 0,
                  message: { role: 'assistant', content: `served by ${o.name}` },
                  finish_reason: 'stop',
                },
              ],
              usage: {
                prompt_tokens: Math.ceil(prompt.length / 4),
                completion_tokens: 3,
                total_tokens: Math.ceil(prompt.length / 4) + 3,
              },
            }),
          );
        },
      };
      waiting.push(job);
      pump();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.port = (server.address() as AddressInfo).port;
  state.endpoint = `127.0.0.1:${state.port}`;
  state.close = () =>
    new Promise<void>((r) => {
      state.clearLoad();
      server.close(() => r());
      server.closeAllConnections();
    });
  return state;
}
