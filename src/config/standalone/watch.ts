/**
 * Hot reload. fs.watch on the directories (editors and Kubernetes replace files by rename, which a
 * watch on the file itself would lose) plus a slow poll as a fallback, debounced. onChange runs only
 * when the config text or one of its secret files really changed; on errors the caller keeps its
 * current config.
 */
import fs from 'node:fs';
import path from 'node:path';
import { loadStandaloneConfig } from './load.js';
import { readForHash, sourceHash } from './source-hash.js';
import type { LoadResult } from './types.js';

export interface WatchOptions {
  /** Poll period in ms (default 2000). */
  readonly intervalMs?: number;
  /** Quiet time after a file event before reloading, in ms (default 100). */
  readonly debounceMs?: number;
  /** sourceHash of the config the caller already runs; changes are reported relative to it. */
  readonly since?: string;
  /** Secret files of that config, watched too. */
  readonly secretFiles?: readonly string[];
}

export type StopWatching = () => void;

export function watchConfig(
  file: string,
  env: NodeJS.ProcessEnv,
  onChange: (result: LoadResult) => void,
  opts: WatchOptions = {},
): StopWatching {
  const configPath = path.resolve(file);
  let secretFiles: readonly string[] = opts.secretFiles ?? [];
  const fingerprint = (): string =>
    sourceHash(readForHash(configPath), new Map(secretFiles.map((f) => [f, readForHash(f)])));
  let last = opts.since ?? fingerprint();
  let stopped = false;
  let debounce: NodeJS.Timeout | undefined;
  let watchers: fs.FSWatcher[] = [];

  const check = (): void => {
    if (stopped) return;
    const now = fingerprint();
    if (now === last) return;
    last = now;
    const result = loadStandaloneConfig(configPath, env);
    if (result.ok) {
      const before = secretFiles.join('\0');
      secretFiles = result.config.secretFiles;
      last = result.config.sourceHash;
      if (secretFiles.join('\0') !== before) rewatch();
    }
    onChange(result);
  };

  const schedule = (): void => {
    if (stopped) return;
    if (debounce !== undefined) clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = undefined;
      check();
    }, opts.debounceMs ?? 100);
    debounce.unref();
  };

  function rewatch(): void {
    for (const w of watchers) w.close();
    watchers = [];
    for (const dir of new Set([configPath, ...secretFiles].map((f) => path.dirname(f)))) {
      try {
        const w = fs.watch(dir, { persistent: false }, schedule);
        w.on('error', () => w.close()); // the directory went away: the poll still runs
        watchers.push(w);
      } catch {
        // no directory or no fs.watch here: the poll covers it
      }
    }
  }

  rewatch();
  const poll = setInterval(check, opts.intervalMs ?? 2000);
  poll.unref();

  return () => {
    if (stopped) return;
    stopped = true;
    clearInterval(poll);
    if (debounce !== undefined) clearTimeout(debounce);
    for (const w of watchers) w.close();
    watchers = [];
  };
}
