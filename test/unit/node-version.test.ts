import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { MIN_NODE_MAJOR, nodeVersionProblem } from '../../src/node-version.js';
import { repoRoot } from '../helpers/repo.js';

describe('Node version check', () => {
  it('refuses Node < 22 with a one-line reason that names the Node to use', () => {
    for (const v of ['20.20.2', 'v20.0.0', '18.19.1', '21.7.3', 'garbage', '']) {
      const p = nodeVersionProblem(v);
      assert.ok(p !== undefined, v);
      assert.ok(!p.includes('\n'));
      assert.match(p, new RegExp(`needs Node ${MIN_NODE_MAJOR} or newer`));
      assert.match(p, /node_modules\/\.bin\/node/);
    }
  });
  it('accepts Node 22 and newer', () => {
    for (const v of ['22.0.0', '22.23.3', 'v24.1.0', '30.0.0'])
      assert.equal(nodeVersionProblem(v), undefined);
    assert.equal(nodeVersionProblem(), undefined); // the suite itself runs on the pinned Node 22
  });

  // The system Node on this project's machines is 20; where it is, the real entry point must refuse.
  const systemNode = ['/usr/bin/node', '/usr/local/bin/node'].find((p) => {
    try {
      return (
        Number(execFileSync(p, ['-p', 'process.versions.node.split(".")[0]']).toString()) < MIN_NODE_MAJOR
      );
    } catch {
      return false;
    }
  });
  it(
    'dist/src/main.js on an older system Node exits 1 before binding anything',
    { skip: systemNode === undefined ? 'no Node older than 22 on this machine' : false },
    async () => {
      const main = path.join(repoRoot(), 'dist/src/main.js');
      const err = await promisify(execFile)(systemNode!, [main], {
        env: { ...process.env, LISTEN_ADDR: '127.0.0.1:0', METRICS_ADDR: '127.0.0.1:0' },
        timeout: 20_000,
      }).then(
        () => assert.fail('started on an old Node'),
        (e: { code?: number; stderr?: string }) => e,
      );
      assert.equal(err.code, 1);
      assert.match(err.stderr ?? '', /needs Node 22 or newer \(this is Node 2\d\./);
    },
  );
});
