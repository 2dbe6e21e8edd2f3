/** The official MCP conformance suite (@modelcontextprotocol/conformance) run by the project's Node 22. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './repo.js';

/** Runs the suite against a URL; scenario → "passed/failed" from its summary. */
export function conformance(url: string): Promise<Map<string, string>> {
  const root = repoRoot();
  return new Promise((resolve, reject) => {
    execFile(
      path.join(root, 'node_modules/.bin/node'),
      [
        path.join(root, 'node_modules/@modelcontextprotocol/conformance/dist/index.js'),
        'server',
        '--url',
        url,
      ],
      { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout) => {
        // The suite exits non-zero when a scenario fails; the summary is what counts.
        const out = new Map<string, string>();
        for (const m of stdout.matchAll(/^[✓✗] ([\w-]+): (\d+) passed, (\d+) failed$/gmu))
          out.set(m[1]!, `${m[2]}/${m[3]}`);
        if (out.size === 0)
          reject(err ?? new Error(`no summary in the conformance output:\n${stdout.slice(-2000)}`));
        else resolve(out);
      },
    );
  });
}
