/**
 * The `provider` embedder: a backend's OpenAI-compatible POST /v1/embeddings (OpenAI, Azure-style
 * gateways, Ollama, vLLM, a local server). One text per call, the answer read strictly and
 * normalised, so the stores compare unit vectors. Errors name the endpoint, never the text.
 */
import type { HttpClient } from '../guards/http-client.js';
import { normalize } from '../cache/types.js';
import type { Embedder } from '../cache/types.js';

export interface ProviderEmbedderOptions {
  /** scheme://host[:port] of the backend. */
  readonly baseUrl: string;
  /** The path of the embeddings endpoint. Default /v1/embeddings. */
  readonly path?: string;
  readonly model: string;
  /** Auth headers (the backend's credentials). */
  readonly headers: () => Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Texts longer than this are cut (embedding models read a few hundred tokens at most). */
  readonly maxChars?: number;
}

/** The largest vector accepted (text-embedding-3-large has 3,072 dimensions). */
const MAX_DIMENSIONS = 8192;

export class ProviderEmbedder implements Embedder {
  readonly name: string;
  private readonly url: string;

  constructor(
    private readonly http: HttpClient,
    private readonly o: ProviderEmbedderOptions,
  ) {
    this.url = o.baseUrl.replace(/\/+$/, '') + (o.path ?? '/v1/embeddings');
    this.name = `provider:${o.model}`;
  }

  async embed(text: string, signal: AbortSignal): Promise<Float32Array> {
    const input = text.slice(0, this.o.maxChars ?? 8192);
    const res = await this.http.request({
      url: this.url,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...this.o.headers() },
      body: Buffer.from(JSON.stringify({ model: this.o.model, input, encoding_format: 'float' })),
      timeoutMs: this.o.timeoutMs,
      signal,
    });
    if (res.status !== 200) throw new Error(`embeddings endpoint ${this.url} answered ${res.status}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(res.body).toString('utf8'));
    } catch {
      throw new Error(`embeddings endpoint ${this.url} answered something that is not JSON`);
    }
    const data = (parsed as { data?: unknown }).data;
    const first = Array.isArray(data) ? (data[0] as { embedding?: unknown } | undefined) : undefined;
    const e = first?.embedding;
    if (
      !Array.isArray(e) ||
      e.length === 0 ||
      e.length > MAX_DIMENSIONS ||
      !e.every((v) => typeof v === 'number')
    )
      throw new Error(`embeddings endpoint ${this.url} answered no float embedding`);
    return normalize(Float32Array.from(e));
  }
}
