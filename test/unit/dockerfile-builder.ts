/** Executes Dockerfile stages without Docker, plus process helpers (shared by the Dockerfile tests). */
import { spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expand, keyValues, words } from './dockerfile-model.js';
import type { Dockerfile, DockerIgnore, Stage, StageConfig } from './dockerfile-model.js';

// ---------------------------------------------------------------------------------------------------------------
// Executing the stages

/** Only OS user management is left to the real base image. */
export const SYSTEM_COMMAND = /^(groupadd|useradd)\s/;

export interface Materialized {
  readonly dir: string;
  readonly config: StageConfig;
  readonly skippedRuns: string[];
}

export class Builder {
  private readonly done = new Map<number, Materialized>();
  readonly log: string[] = [];

  constructor(
    private readonly df: Dockerfile,
    private readonly context: string,
    private readonly ignore: DockerIgnore,
    private readonly workRoot: string,
  ) {}

  /** A path inside a stage's simulated root filesystem. */
  private inStage(dir: string, abs: string): string {
    return path.join(dir, path.posix.resolve('/', abs));
  }

  private copyFromContext(src: string, dest: string): void {
    const rel = path.posix
      .normalize(src)
      .replace(/^(\.\/)+/, '')
      .replace(/\/+$/, '');
    if (rel.startsWith('..') || rel.includes('*') || rel.includes('?'))
      throw new Error(`unsupported COPY source ${src}`);
    const abs = path.join(this.context, rel);
    if (!fs.existsSync(abs)) throw new Error(`COPY source ${src} does not exist in the build context`);
    if (this.ignore.ignored(rel)) throw new Error(`COPY source ${src} is excluded by .dockerignore`);
    fs.cpSync(abs, dest, {
      recursive: true,
      filter: (from) => {
        const r = path.relative(this.context, from).split(path.sep).join('/');
        return r === rel || !this.ignore.ignored(r);
      },
    });
  }

  materialize(stage: Stage): Materialized {
    const cached = this.done.get(stage.index);
    if (cached) return cached;
    const dir = path.join(this.workRoot, `${stage.index}-${stage.name ?? 'unnamed'}`);
    const parent = this.df.parent(stage);
    const skippedRuns: string[] = [];
    if (parent) {
      const p = this.materialize(parent);
      fs.cpSync(p.dir, dir, { recursive: true, verbatimSymlinks: true });
      skippedRuns.push(...p.skippedRuns);
    } else fs.mkdirSync(dir, { recursive: true });

    // Walk the instructions with the inherited state, like Docker does.
    const parentConfig = parent ? this.df.config(parent) : undefined;
    let workdir = parentConfig?.workdir ?? '/';
    const env: Record<string, string> = { ...(parentConfig?.env ?? {}) };
    const args: Record<string, string> = {};
    for (const ins of stage.instructions) {
      const vars = { ...this.df.globalArgs, ...args, ...env };
      switch (ins.op) {
        case 'ARG': {
          const [name, value] = ins.rest.split('=', 2) as [string, string | undefined];
          args[name] = value === undefined ? (vars[name] ?? '') : expand(value, vars);
          break;
        }
        case 'ENV':
          Object.assign(env, keyValues(ins.rest, vars));
          break;
        case 'WORKDIR':
          workdir = path.posix.resolve(workdir, expand(ins.rest, vars));
          fs.mkdirSync(this.inStage(dir, workdir), { recursive: true });
          break;
        case 'COPY': {
          const parts = (ins.json ?? words(ins.rest)).map((w) => expand(w, vars));
          if (parts.length < 2)
            throw new Error(`Dockerfile:${ins.line}: COPY needs a source and a destination`);
          const destRaw = parts[parts.length - 1]!;
          const sources = parts.slice(0, -1);
          const destAbs = path.posix.resolve(workdir, destRaw);
          const destIsDir = destRaw.endsWith('/') || destRaw === '.' || sources.length > 1;
          for (const src of sources) {
            const target = destIsDir
              ? path.join(this.inStage(dir, destAbs), path.posix.basename(src.replace(/\/+$/, '')))
              : this.inStage(dir, destAbs);
            fs.mkdirSync(path.dirname(target), { recursive: true });
            const from = ins.flags.from;
            if (from === undefined) {
              // A directory source copies its contents into the destination.
              const isDir = fs.statSync(path.join(this.context, src)).isDirectory();
              this.copyFromContext(src, isDir ? this.inStage(dir, destAbs) : target);
            } else {
              const other = this.materialize(this.df.stage(from));
              // COPY --from paths are relative to the source stage's root, not its WORKDIR.
              const abs = this.inStage(other.dir, path.posix.resolve('/', src));
              if (!fs.existsSync(abs))
                throw new Error(`Dockerfile:${ins.line}: ${src} does not exist in stage ${from}`);
              const isDir = fs.statSync(abs).isDirectory();
              fs.cpSync(abs, isDir ? this.inStage(dir, destAbs) : target, {
                recursive: true,
                verbatimSymlinks: true,
              });
            }
          }
          this.log.push(`COPY ${ins.rest}`);
          break;
        }
        case 'RUN': {
          const script = ins.json ? ins.json.join(' ') : ins.rest;
          const segments = script.split(/&&|;/).map((s) => s.trim());
          const system = segments.map((s) => SYSTEM_COMMAND.test(s));
          if (system.every(Boolean)) {
            skippedRuns.push(script);
            this.log.push(`RUN (not executed: OS user management) ${script}`);
            break;
          }
          if (system.some(Boolean))
            throw new Error(`Dockerfile:${ins.line}: mixes OS user management with build steps`);
          const started = Date.now();
          const r = spawnSync('/bin/sh', ['-c', script], {
            cwd: this.inStage(dir, workdir),
            encoding: 'utf8',
            timeout: 300_000,
            env: {
              ...process.env,
              NODE_TEST_CONTEXT: undefined,
              NODE_OPTIONS: undefined,
              // Like the cache mount: reuse the host's npm cache (~/.npm) and only ask the registry on a miss.
              npm_config_prefer_offline: 'true',
              ...env,
              PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`,
            },
          });
          this.log.push(`RUN ${script.replace(/\s+/g, ' ')}  (${Date.now() - started} ms, exit ${r.status})`);
          if (r.status !== 0)
            throw new Error(
              `Dockerfile:${ins.line}: RUN failed (${r.status}): ${script}\n${r.stdout}\n${r.stderr}`,
            );
          break;
        }
      }
    }
    const result: Materialized = { dir, config: this.df.config(stage), skippedRuns };
    this.done.set(stage.index, result);
    return result;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// helpers

export function nodeMajor(image: string): number | undefined {
  const m = /^(?:docker\.io\/)?(?:library\/)?node:(\d+)(?:[.-]|$)/.exec(image);
  return m ? Number(m[1]) : undefined;
}

export function waitExit(
  proc: ChildProcess,
  ms: number,
): Promise<{ code: number | null; signal: string | null } | 'timeout'> {
  if (proc.exitCode !== null || proc.signalCode !== null)
    return Promise.resolve({ code: proc.exitCode, signal: proc.signalCode });
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve('timeout'), ms);
    proc.once('exit', (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal });
    });
  });
}

export async function waitForHttp(
  url: string,
  proc: ChildProcess,
  output: () => string,
  timeoutMs = 20_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null)
      throw new Error(`exited with ${proc.exitCode} before ${url} answered:\n${output()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not up yet */
    }
    if (Date.now() > end) throw new Error(`${url} not answering after ${timeoutMs} ms:\n${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
