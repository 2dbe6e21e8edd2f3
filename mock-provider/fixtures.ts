/** The mock provider's canned texts and tool arguments, read once from mock-provider/fixtures/*.json. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isObject } from './util.js';

export interface MockFixtures {
  openai: {
    defaultModel: string;
    systemFingerprint: string;
    text: string;
    toolName: string;
    toolArgs: string;
  };
  anthropic: { defaultModel: string; text: string; toolName: string; toolArgs: string };
  gemini: { defaultModel: string; text: string; toolName: string; toolArgs: string };
}

let fixtureCache: MockFixtures | undefined;

/** Directory of the canned responses: `<repo>/mock-provider/fixtures` (works from the sources and from `dist`). */
export function fixturesDir(): string {
  const fromEnv = process.env['MOCK_PROVIDER_FIXTURES'];
  if (fromEnv) return fromEnv;
  let dir = import.meta.dirname;
  for (;;) {
    const candidate = path.join(dir, 'mock-provider', 'fixtures');
    if (existsSync(path.join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error(`mock-provider: cannot find mock-provider/fixtures above ${import.meta.dirname}`);
    dir = parent;
  }
}

/** The canned texts and tool arguments (read once from mock-provider/fixtures). */
export function loadFixtures(): MockFixtures {
  if (fixtureCache) return fixtureCache;
  const dir = fixturesDir();
  const read = (name: string): Record<string, unknown> => {
    const v: unknown = JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
    if (!isObject(v)) throw new Error(`mock-provider: ${name} is not a JSON object`);
    return v;
  };
  const str = (o: Record<string, unknown>, k: string, file: string): string => {
    const v = o[k];
    if (typeof v !== 'string') throw new Error(`mock-provider: ${file}: "${k}" must be a string`);
    return v;
  };
  const obj = (o: Record<string, unknown>, k: string, file: string): Record<string, unknown> => {
    const v = o[k];
    if (!isObject(v)) throw new Error(`mock-provider: ${file}: "${k}" must be an object`);
    return v;
  };
  const o = read('openai-chat.json');
  const oTool = obj(o, 'toolCall', 'openai-chat.json');
  const a = read('anthropic-messages.json');
  const aTool = obj(a, 'toolUse', 'anthropic-messages.json');
  const g = read('gemini-generate.json');
  const gTool = obj(g, 'functionCall', 'gemini-generate.json');
  fixtureCache = {
    openai: {
      defaultModel: str(o, 'defaultModel', 'openai-chat.json'),
      systemFingerprint: str(o, 'systemFingerprint', 'openai-chat.json'),
      text: str(o, 'text', 'openai-chat.json'),
      toolName: str(oTool, 'defaultName', 'openai-chat.json'),
      toolArgs: JSON.stringify(obj(oTool, 'arguments', 'openai-chat.json')),
    },
    anthropic: {
      defaultModel: str(a, 'defaultModel', 'anthropic-messages.json'),
      text: str(a, 'text', 'anthropic-messages.json'),
      toolName: str(aTool, 'defaultName', 'anthropic-messages.json'),
      toolArgs: JSON.stringify(obj(aTool, 'input', 'anthropic-messages.json')),
    },
    gemini: {
      defaultModel: str(g, 'defaultModel', 'gemini-generate.json'),
      text: str(g, 'text', 'gemini-generate.json'),
      toolName: str(gTool, 'defaultName', 'gemini-generate.json'),
      toolArgs: JSON.stringify(obj(gTool, 'args', 'gemini-generate.json')),
    },
  };
  return fixtureCache;
}
