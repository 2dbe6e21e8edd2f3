/**
 * The `local` embedder: all-MiniLM-L6-v2 (int8 ONNX, 384 dimensions) in process on
 * onnxruntime-node, tokenized by @huggingface/tokenizers, mean-pooled and normalised as
 * sentence-transformers does. Loaded lazily on the first embed (about 300 ms, ~100 MB of memory);
 * one inference at a time (one intra-op thread), so it never takes both cores from the gateway.
 * The files come from `make install` (scripts/fetch-embedding-model.py), never from the network
 * at run time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { normalize } from '../cache/types.js';
import type { Embedder } from '../cache/types.js';

/** MiniLM-L6-v2 was trained on 256 word pieces; longer input is cut (as sentence-transformers does). */
const MAX_TOKENS = 256;

/** The part of @huggingface/tokenizers used here (its bundled types do not resolve under NodeNext). */
interface WordPieceTokenizer {
  encode(
    text: string,
    o: { return_token_type_ids: true },
  ): { ids: number[]; attention_mask: number[]; token_type_ids: number[] };
}
type TokenizerModule = { Tokenizer: new (tokenizer: object, config: object) => WordPieceTokenizer };

interface Loaded {
  readonly run: (ids: number[], mask: number[], types: number[]) => Promise<Float32Array>;
}

/** The model folder holds model.onnx, tokenizer.json and tokenizer_config.json. */
export function localModelPresent(dir: string): boolean {
  return ['model.onnx', 'tokenizer.json', 'tokenizer_config.json'].every((f) =>
    fs.existsSync(path.join(dir, f)),
  );
}

export class LocalEmbedder implements Embedder {
  readonly name = 'local:all-MiniLM-L6-v2';
  private loading: Promise<Loaded> | undefined;
  private tokenize: ((text: string) => { ids: number[]; mask: number[]; types: number[] }) | undefined;
  /** Inference runs one at a time: a queue, not a pool. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Process RSS growth while loading (bytes), for the log and the bench. */
  loadedBytes = 0;

  constructor(private readonly dir: string) {}

  private async load(): Promise<Loaded> {
    const before = process.memoryUsage().rss;
    const [ort, tk] = await Promise.all([
      import('onnxruntime-node'),
      import('@huggingface/tokenizers') as Promise<unknown> as Promise<TokenizerModule>,
    ]);
    const read = (f: string): unknown => JSON.parse(fs.readFileSync(path.join(this.dir, f), 'utf8'));
    const tokenizer = new tk.Tokenizer(
      read('tokenizer.json') as object,
      read('tokenizer_config.json') as object,
    );
    this.tokenize = (text) => {
      const e = tokenizer.encode(text, { return_token_type_ids: true });
      const n = Math.min(e.ids.length, MAX_TOKENS);
      // Cut before the end: keep [SEP] as the last token.
      const cut = <T>(a: T[]): T[] => (a.length <= n ? a : [...a.slice(0, n - 1), a[a.length - 1]!]);
      return { ids: cut(e.ids), mask: cut(e.attention_mask), types: cut(e.token_type_ids) };
    };
    const session = await ort.InferenceSession.create(path.join(this.dir, 'model.onnx'), {
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    const tensor = (a: number[]) =>
      new ort.Tensor(
        'int64',
        BigInt64Array.from(a, (v) => BigInt(v)),
        [1, a.length],
      );
    const outputName = session.outputNames[0]!;
    this.loadedBytes = Math.max(0, process.memoryUsage().rss - before);
    return {
      run: async (ids, mask, types) => {
        const out = await session.run({
          input_ids: tensor(ids),
          attention_mask: tensor(mask),
          token_type_ids: tensor(types),
        });
        const hidden = out[outputName]!;
        const data = hidden.data as Float32Array;
        const dims = hidden.dims;
        const tokens = Number(dims[1]);
        const width = Number(dims[2]);
        // Mean pooling over the tokens the mask keeps.
        const v = new Float32Array(width);
        let kept = 0;
        for (let t = 0; t < tokens; t++) {
          if (!mask[t]) continue;
          kept++;
          for (let i = 0; i < width; i++) v[i] = v[i]! + data[t * width + i]!;
        }
        if (kept > 0) for (let i = 0; i < width; i++) v[i] = v[i]! / kept;
        return normalize(v);
      },
    };
  }

  async embed(text: string, signal: AbortSignal): Promise<Float32Array> {
    this.loading ??= this.load();
    const model = await this.loading.catch((err: unknown) => {
      this.loading = undefined; // a failed load is retried by a later request
      throw err;
    });
    const job = this.queue.then(() => {
      // A request whose deadline passed while queued is not worth its inference.
      if (signal.aborted) throw new Error('embedding deadline passed while queued');
      const t = this.tokenize!(text);
      return model.run(t.ids, t.mask, t.types);
    });
    this.queue = job.catch(() => undefined);
    return job;
  }
}
