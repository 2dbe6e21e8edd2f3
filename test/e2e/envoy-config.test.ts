/** `envoy --mode validate` accepts the config generated from every example, embedded and with xDS files. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { envoyBin } from '../helpers/envoy.js';
import { repoRoot } from '../helpers/repo.js';
import { DEFAULT_BOOTSTRAP } from '../../src/config/envoy/bootstrap.js';
import { writeXdsFiles } from '../../src/config/envoy/xds-files.js';
import { formatIssue, loadStandaloneConfig } from '../../src/config/standalone/index.js';
import { envoyConfigText } from '../../src/envoy-config-command.js';

const EXAMPLES = path.join(repoRoot(), 'config/examples');

/** Envoy's validate mode; its output goes to a file (so an access log at /dev/stdout can be opened). */
async function validate(text: string, dir: string): Promise<string> {
  const file = path.join(dir, 'envoy.yaml');
  const out = path.join(dir, 'validate.out');
  fs.writeFileSync(file, text);
  const fd = fs.openSync(out, 'w');
  try {
    const child = spawn(envoyBin(), ['--mode', 'validate', '-c', file], { stdio: ['ignore', fd, fd] });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const log = fs.readFileSync(out, 'utf8');
    assert.equal(code, 0, log);
    return log;
  } finally {
    fs.closeSync(fd);
  }
}

describe('generated Envoy configs validate', () => {
  for (const name of fs.readdirSync(EXAMPLES).filter((f) => f.endsWith('.yaml'))) {
    it(`${name}: embedded routes and clusters, and from xDS files`, { timeout: 120_000 }, async () => {
      const file = path.join(EXAMPLES, name);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-extproc-validate-'));
      try {
        assert.match(await validate(envoyConfigText(file, DEFAULT_BOOTSTRAP), dir), /configuration .* OK/);
        const xdsDir = path.join(dir, 'xds');
        const r = loadStandaloneConfig(file, {}, { secrets: 'placeholder' });
        assert.ok(r.ok, r.ok ? '' : r.errors.map(formatIssue).join('\n'));
        writeXdsFiles(xdsDir, r.config);
        assert.match(
          await validate(envoyConfigText(file, { ...DEFAULT_BOOTSTRAP, xdsDir }), dir),
          /configuration .* OK/,
        );
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  }
  it('the shipped envoy/standalone/envoy.yaml validates', { timeout: 60_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-extproc-validate-'));
    try {
      const text = fs.readFileSync(path.join(repoRoot(), 'envoy/standalone/envoy.yaml'), 'utf8');
      assert.match(await validate(text, dir), /configuration .* OK/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
