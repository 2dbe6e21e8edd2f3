/**
 * A keyed hash of the config text and the secret files it read. The key is random per process, so the
 * hash says nothing about secret values; it only tells whether anything changed.
 */
import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';

const KEY = randomBytes(32);

export function sourceHash(text: string, secretFiles: ReadonlyMap<string, string>): string {
  const h = createHmac('sha256', KEY).update(text).update('\0');
  for (const p of [...secretFiles.keys()].sort())
    h.update(p).update('\0').update(secretFiles.get(p)!).update('\0');
  return h.digest('hex').slice(0, 32);
}

/** Short keyed digest of a few strings (guard cache keys). */
export function keyedDigest(...parts: string[]): string {
  const h = createHmac('sha256', KEY);
  for (const p of parts) h.update(p).update('\0');
  return h.digest('hex').slice(0, 24);
}

/** File content, or a marker naming the error (so a vanished file is a change too). */
export function readForHash(path: string): string {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (err) {
    return `\0error:${(err as NodeJS.ErrnoException).code ?? 'unknown'}`;
  }
}
