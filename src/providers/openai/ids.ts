/** Identifiers and timestamps for OpenAI objects the upstream does not name itself. */
import { randomBytes } from 'node:crypto';

/** A fresh `chatcmpl-…` id (random: two responses never share one). */
export function newCompletionId(): string {
  return `chatcmpl-${randomBytes(12).toString('hex')}`;
}

/** Unix seconds now. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** Unix seconds of an RFC 3339 timestamp (Vertex `createTime`), or undefined when unparsable. */
export function rfc3339Seconds(v: unknown): number | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  const ms = Date.parse(v);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : undefined;
}
