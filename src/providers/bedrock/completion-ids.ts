/** Ids and timestamps of the OpenAI objects the Bedrock adapter produces. */
import { randomBytes } from 'node:crypto';

export interface CompletionIdOptions {
  /** Prefix of the generated ids (default `chatcmpl-bedrock-<8 random hex digits, fixed per adapter>`). */
  readonly idPrefix?: string;
  /** Clock in milliseconds (default `Date.now`); `created` is in seconds. */
  readonly now?: () => number;
}

export interface CompletionStamp {
  readonly id: string;
  readonly created: number;
}

/** Hands out `<prefix>-<n>` ids from a per-instance counter, plus the creation time. */
export class CompletionIds {
  private readonly prefix: string;
  private readonly now: () => number;
  private counter = 0;

  constructor(options: CompletionIdOptions = {}) {
    this.prefix = options.idPrefix ?? `chatcmpl-bedrock-${randomBytes(4).toString('hex')}`;
    this.now = options.now ?? Date.now;
  }

  next(): CompletionStamp {
    this.counter += 1;
    return { id: `${this.prefix}-${this.counter}`, created: Math.floor(this.now() / 1000) };
  }
}
