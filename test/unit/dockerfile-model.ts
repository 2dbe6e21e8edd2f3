/** The Dockerfile and .dockerignore, parsed (shared by the Dockerfile tests). */
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../helpers/repo.js';

export const root = repoRoot();

// ---------------------------------------------------------------------------------------------------------------
// Dockerfile parsing

export interface Instruction {
  readonly line: number;
  readonly op: string;
  /** Leading --flag=value options (FROM --platform, COPY --from, RUN --mount, ...). */
  readonly flags: Record<string, string>;
  /** The rest after the flags. */
  readonly rest: string;
  /** JSON (exec) form arguments, when the rest is a JSON array. */
  readonly json: string[] | undefined;
}

export interface Stage {
  readonly index: number;
  readonly name: string | undefined;
  readonly base: string;
  readonly flags: Record<string, string>;
  readonly instructions: Instruction[];
}

export const KNOWN_OPS = new Set([
  'FROM',
  'ARG',
  'LABEL',
  'ENV',
  'WORKDIR',
  'COPY',
  'RUN',
  'USER',
  'EXPOSE',
  'CMD',
  'ENTRYPOINT',
  'HEALTHCHECK',
  'STOPSIGNAL',
  'SHELL',
  'VOLUME',
  'ADD',
  'ONBUILD',
]);

export function parseDockerfile(text: string): { globalArgs: Instruction[]; stages: Stage[] } {
  const instructions: Instruction[] = [];
  const raw = text.split('\n');
  for (let i = 0; i < raw.length; i++) {
    const first = raw[i]!;
    if (first.trim() === '' || first.trimStart().startsWith('#')) continue;
    const start = i + 1;
    let logical = first;
    // Line continuations; comment lines inside a continuation are dropped, as Docker does.
    while (logical.endsWith('\\')) {
      logical = logical.slice(0, -1);
      i++;
      while (i < raw.length && raw[i]!.trimStart().startsWith('#')) i++;
      if (i >= raw.length) throw new Error(`Dockerfile:${start}: continuation at end of file`);
      logical += raw[i]!;
    }
    const m = /^\s*(\S+)\s*(.*)$/s.exec(logical);
    if (!m) continue;
    const op = m[1]!.toUpperCase();
    if (!KNOWN_OPS.has(op)) throw new Error(`Dockerfile:${start}: unknown instruction ${m[1]}`);
    let rest = m[2]!.trim();
    const flags: Record<string, string> = {};
    if (op === 'FROM' || op === 'COPY' || op === 'RUN' || op === 'ADD') {
      for (;;) {
        const f = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(rest);
        if (!f) break;
        flags[f[1]!] = f[2] ?? 'true';
        rest = rest.slice(f[0].length);
      }
    }
    let json: string[] | undefined;
    if (rest.startsWith('[')) {
      try {
        const v: unknown = JSON.parse(rest);
        if (Array.isArray(v) && v.every((x): x is string => typeof x === 'string')) json = v;
      } catch {
        /* shell form that happens to start with [ */
      }
    }
    instructions.push({ line: start, op, flags, rest, json });
  }
  const globalArgs: Instruction[] = [];
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.rest);
      if (!m) throw new Error(`Dockerfile:${ins.line}: cannot parse FROM ${ins.rest}`);
      stages.push({
        index: stages.length,
        name: m[2]?.toLowerCase(),
        base: m[1]!,
        flags: ins.flags,
        instructions: [],
      });
    } else if (stages.length === 0) {
      if (ins.op !== 'ARG') throw new Error(`Dockerfile:${ins.line}: ${ins.op} before the first FROM`);
      globalArgs.push(ins);
    } else stages[stages.length - 1]!.instructions.push(ins);
  }
  return { globalArgs, stages };
}

/** Shell-like word splitting with quotes and backslash escapes (ENV, LABEL, COPY, EXPOSE). */
export function words(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated quote in ${s}`);
  if (inWord) out.push(cur);
  return out;
}

export function expand(s: string, vars: Record<string, string>): string {
  return s.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_m, a?: string, b?: string) => {
      return vars[(a ?? b)!] ?? '';
    },
  );
}

/** KEY=VALUE pairs (or the legacy single `KEY value` form). */
export function keyValues(rest: string, vars: Record<string, string>): Record<string, string> {
  const ws = words(rest);
  const out: Record<string, string> = {};
  if (ws.length >= 1 && !ws[0]!.includes('=')) {
    out[ws[0]!] = expand(rest.slice(rest.indexOf(ws[0]!) + ws[0]!.length).trim(), vars);
    return out;
  }
  for (const w of ws) {
    const eq = w.indexOf('=');
    if (eq <= 0) throw new Error(`expected KEY=VALUE, got ${w}`);
    out[w.slice(0, eq)] = expand(w.slice(eq + 1), vars);
  }
  return out;
}

/** What a stage ends up as, with everything inherited from `FROM <earlier stage>`. */
export interface StageConfig {
  readonly stage: Stage;
  /** The external image at the bottom of the FROM chain. */
  readonly baseImage: string;
  readonly env: Record<string, string>;
  readonly workdir: string;
  readonly user: string | undefined;
  readonly cmd: { exec: boolean; args: string[] } | undefined;
  readonly entrypoint: string[] | undefined;
  readonly expose: string[];
}

export class Dockerfile {
  readonly globalArgs: Record<string, string> = {};
  readonly stages: Stage[];

  constructor(text: string) {
    const parsed = parseDockerfile(text);
    this.stages = parsed.stages;
    for (const a of parsed.globalArgs) Object.assign(this.globalArgs, this.argDefault(a.rest, {}));
  }

  private argDefault(rest: string, vars: Record<string, string>): Record<string, string> {
    const [name, value] = rest.split('=', 2) as [string, string | undefined];
    return { [name.trim()]: value === undefined ? (vars[name.trim()] ?? '') : expand(value, vars) };
  }

  stage(ref: string): Stage {
    const byName = this.stages.find((s) => s.name === ref.toLowerCase());
    const byIndex = /^\d+$/.test(ref) ? this.stages[Number(ref)] : undefined;
    const s = byName ?? byIndex;
    if (!s) throw new Error(`no stage ${ref}`);
    return s;
  }

  get final(): Stage {
    return this.stages[this.stages.length - 1]!;
  }

  /** The earlier stage this one is FROM, if any. */
  parent(stage: Stage): Stage | undefined {
    return this.stages.find((s) => s.index < stage.index && s.name === stage.base.toLowerCase());
  }

  config(stage: Stage): StageConfig {
    const parent = this.parent(stage);
    const base: StageConfig = parent
      ? this.config(parent)
      : {
          stage,
          baseImage: stage.base,
          env: {},
          workdir: '/',
          user: undefined,
          cmd: undefined,
          entrypoint: undefined,
          expose: [],
        };
    const env = { ...base.env };
    const args: Record<string, string> = {};
    let { workdir, user, cmd, entrypoint } = base;
    const expose = [...base.expose];
    for (const ins of stage.instructions) {
      const vars = { ...this.globalArgs, ...args, ...env };
      switch (ins.op) {
        case 'ARG':
          Object.assign(args, this.argDefault(ins.rest, { ...this.globalArgs, ...args }));
          break;
        case 'ENV':
          Object.assign(env, keyValues(ins.rest, vars));
          break;
        case 'WORKDIR':
          workdir = path.posix.resolve(workdir, expand(ins.rest, vars));
          break;
        case 'USER':
          user = expand(ins.rest, vars);
          break;
        case 'EXPOSE':
          expose.push(...words(ins.rest).map((w) => expand(w, vars)));
          break;
        case 'CMD':
          cmd = ins.json
            ? { exec: true, args: ins.json }
            : { exec: false, args: ['/bin/sh', '-c', ins.rest] };
          break;
        case 'ENTRYPOINT':
          entrypoint = ins.json ?? ['/bin/sh', '-c', ins.rest];
          cmd = undefined; // Docker resets an inherited CMD when ENTRYPOINT is set.
          break;
      }
    }
    return { stage, baseImage: base.baseImage, env, workdir, user, cmd, entrypoint, expose };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// .dockerignore

export function globRegex(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') {
        i++;
        re += '(?:.*/)?';
      } else re += '.*';
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export class DockerIgnore {
  private readonly rules: { re: RegExp; negate: boolean }[] = [];
  constructor(text: string) {
    for (const rawLine of text.split('\n')) {
      const line = rawLine.trim();
      if (line === '' || line.startsWith('#')) continue;
      const negate = line.startsWith('!');
      const pattern = path.posix.normalize((negate ? line.slice(1) : line).trim()).replace(/^\/+|\/+$/g, '');
      this.rules.push({ re: globRegex(pattern), negate });
    }
  }
  /** Docker semantics: the last matching rule wins; a rule matching a parent directory matches its contents. */
  ignored(rel: string): boolean {
    const parts = rel.split('/');
    let result = false;
    for (const rule of this.rules) {
      for (let n = 1; n <= parts.length; n++) {
        if (rule.re.test(parts.slice(0, n).join('/'))) {
          result = !rule.negate;
          break;
        }
      }
    }
    return result;
  }
}

export const dockerfileText = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
export const df = new Dockerfile(dockerfileText);
export const finalConfig = df.config(df.final);
