import fs from 'node:fs';
import path from 'node:path';

/** The repository root, found from a compiled (dist/) or source location. */
export function repoRoot(from: string = import.meta.dirname): string {
  let dir = from;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'proto'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`repo root not found above ${from}`);
    dir = parent;
  }
}
