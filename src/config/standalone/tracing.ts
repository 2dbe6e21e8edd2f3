/** tracing: the kgateway tracing.json settings, checked here instead of silently defaulted. */
import type { TracingConfig } from '../otel-files.js';
import { timeoutSeconds } from '../tracing-settings.js';
import type { LoadContext } from './context.js';
import { isObj } from '../../json.js';

const RATIO_SAMPLERS = new Set(['traceidratio', 'parentbasedTraceidratio']);

export function compileTracing(raw: unknown, ctx: LoadContext): TracingConfig | undefined {
  if (!isObj(raw) || typeof raw.endpoint !== 'string') return undefined;
  let ok = true;
  try {
    new URL(raw.endpoint);
  } catch {
    ctx.issues.add(['tracing', 'endpoint'], 'is not a valid URL');
    ok = false;
  }
  let sampler: { type?: string; arg?: string } | undefined;
  if (isObj(raw.sampler)) {
    sampler = {};
    if (typeof raw.sampler.type === 'string') sampler.type = raw.sampler.type;
    const arg = raw.sampler.arg;
    if (typeof arg === 'string' || typeof arg === 'number') {
      sampler.arg = String(arg);
      const r = Number(arg);
      if (RATIO_SAMPLERS.has(sampler.type ?? '') && !(String(arg).trim() !== '' && r >= 0 && r <= 1)) {
        ctx.issues.add(['tracing', 'sampler', 'arg'], 'must be a ratio from 0 to 1');
        ok = false;
      }
    }
  }
  let timeout: string | undefined;
  if (typeof raw.timeout === 'string' || typeof raw.timeout === 'number') {
    timeout = String(raw.timeout);
    if (timeoutSeconds(raw.timeout) === undefined) {
      ctx.issues.add(
        ['tracing', 'timeout'],
        'must be a Go duration (30s, 1m30s, 500ms) or a number of seconds',
      );
      ok = false;
    }
  }
  if (!ok) return undefined;
  return Object.freeze({
    endpoint: raw.endpoint,
    ...(sampler === undefined ? {} : { sampler: Object.freeze(sampler) }),
    ...(timeout === undefined ? {} : { timeout }),
    ...(typeof raw.protocol === 'string' ? { protocol: raw.protocol } : {}),
  });
}
