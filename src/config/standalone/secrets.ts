/**
 * Secret references: { env: NAME } or { file: PATH }. Values are trimmed (files usually end with a
 * newline). Issues name the variable or file, never the value.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { LoadContext } from './context.js';
import { isObj } from '../../json.js';
import type { PathSegment } from './issues.js';

/** What every secret holds when a config is loaded without reading its secrets. */
export const SECRET_PLACEHOLDER = 'placeholder-secret-not-read';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CONTROL = /[\u0000-\u001f\u007f]/;

/** "env:NAME" or "file:/abs/path", for logs; undefined if `ref` is not a valid reference. */
export function secretSource(ref: unknown, baseDir: string): string | undefined {
  if (!isObj(ref)) return undefined;
  if (typeof ref.env === 'string' && ref.file === undefined) return `env:${ref.env}`;
  if (typeof ref.file === 'string' && ref.env === undefined) return `file:${path.resolve(baseDir, ref.file)}`;
  return undefined;
}

export function resolveSecret(
  ref: unknown,
  at: readonly PathSegment[],
  ctx: LoadContext,
): string | undefined {
  if (!isObj(ref)) return undefined; // the schema reports it
  if (ctx.secrets === 'placeholder')
    return secretSource(ref, ctx.baseDir) === undefined ? undefined : SECRET_PLACEHOLDER;
  let raw: string | undefined;
  let what: string;
  let where: PathSegment[];
  if (typeof ref.env === 'string' && ref.file === undefined) {
    if (!ENV_NAME.test(ref.env)) return undefined;
    what = `environment variable ${ref.env}`;
    where = [...at, 'env'];
    raw = ctx.env[ref.env];
    if (raw === undefined) {
      ctx.issues.add(where, `${what} is not set`);
      return undefined;
    }
  } else if (typeof ref.file === 'string' && ref.env === undefined && ref.file !== '') {
    const file = path.resolve(ctx.baseDir, ref.file);
    what = `secret file ${file}`;
    where = [...at, 'file'];
    try {
      raw = fs.readFileSync(file, 'utf8');
      ctx.secretFiles.set(file, raw);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      ctx.secretFiles.set(file, `\0error:${code}`);
      ctx.issues.add(where, `cannot read ${what}: ${code}`);
      return undefined;
    }
  } else {
    return undefined;
  }
  const value = raw.trim();
  if (value === '') {
    ctx.issues.add(where, `${what} is empty`);
    return undefined;
  }
  if (CONTROL.test(value)) {
    ctx.issues.add(where, `${what} contains control characters (line breaks inside the value?)`);
    return undefined;
  }
  return value;
}
