/**
 * Runs one corpus scenario against the real server started in-process and returns what happened
 * as plain, normalized JSON: every message sent and every reply received (per step), the final
 * gRPC status, the ai_* / gen_ai_* metric deltas, the server's summary and warning log lines, and
 * what the guard webhook and moderation mocks were asked.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StatusObject } from '@grpc/grpc-js';
import { startTestApp } from '../helpers/app.js';
import type { TestApp } from '../helpers/app.js';
import { ExtProcTestClient } from '../helpers/extproc-client.js';
import type { Reply, ScriptedStream } from '../helpers/extproc-client.js';
import { startWebhookServer } from '../helpers/webhook-server.js';
import type { WebhookServer } from '../helpers/webhook-server.js';
import { startModerationMock } from '../helpers/moderation-mock.js';
import type { ModerationMock } from '../helpers/moderation-mock.js';
import type { AppOptions } from '../../src/app.js';
import type { Scenario, ScenarioContext } from './types.js';
import { metricDeltas, normalizeLog, normalizeTree, parseMetrics, protoJson, sortKeys } from './normalize.js';
import { checkSigV4 } from './sigv4.js';

const REPLY_TIMEOUT_MS = 5000;

interface StepRecord {
  /** What the fake Envoy sent in this step. */
  envoy?: unknown[];
  /** What the server answered. */
  server?: unknown[];
  cancelled?: true;
  /** The stream ended or timed out before the expected replies came. */
  error?: string;
}

function statusJson(s: StatusObject | undefined): unknown {
  return s ? { code: s.code, details: s.details } : null;
}

async function drain(s: ScriptedStream): Promise<Reply[]> {
  const out: Reply[] = [];
  for (;;) {
    try {
      out.push(await s.next(1));
    } catch {
      return out;
    }
  }
}

/** Waits until every stream the server opened is closed and the metrics stop moving. */
async function quiesce(t: TestApp): Promise<Map<string, number>> {
  let last = '';
  const deadline = Date.now() + 5000;
  for (;;) {
    const text = await t.metrics();
    const m = parseMetrics(text);
    const opened = m.get('ai_extproc_grpc_streams_opened_total') ?? 0;
    let closed = 0;
    for (const [k, v] of m) if (k.startsWith('ai_extproc_grpc_streams_closed_total')) closed += v;
    const key = JSON.stringify([...m]);
    if (opened === closed && key === last) return m;
    if (Date.now() > deadline) return m;
    last = key;
    await new Promise((r) => setTimeout(r, 15));
  }
}

interface Services {
  webhook?: WebhookServer;
  moderation?: ModerationMock;
}

async function startServices(sc: Scenario): Promise<Services> {
  const out: Services = {};
  if (sc.services?.webhook) out.webhook = await startWebhookServer({ tls: false });
  if (sc.services?.moderation) out.moderation = await startModerationMock();
  return out;
}

/** The per-request summary line, and every warning or error (pino levels as labels or numbers). */
const KEEP_LOG = (l: Record<string, unknown>): boolean =>
  l.msg === 'request summary' ||
  (typeof l.level === 'number' ? l.level >= 40 : ['warn', 'error', 'fatal'].includes(String(l.level)));

export async function recordScenario(sc: Scenario): Promise<unknown> {
  const services = await startServices(sc);
  const ctx: ScenarioContext = {
    webhookPort: services.webhook?.port ?? 0,
    moderationBaseUrl: services.moderation?.baseUrl ?? 'http://127.0.0.1:9/v1',
  };
  let dir: string | undefined;
  const env: Record<string, string> = { ...sc.env };
  if (sc.mode === 'kgateway') env.OPENAI_BASE_URL = ctx.moderationBaseUrl;
  if (sc.mode === 'standalone') {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ai-extproc-corpus-'));
    fs.writeFileSync(path.join(dir, 'config.yaml'), sc.config ?? '');
    env.AI_EXTPROC_CONFIG = path.join(dir, 'config.yaml');
    env.CONFIG_POLL_MS = '60000';
  }
  const opts: AppOptions = {
    ...(sc.customLabels ? { stats: { customLabels: sc.customLabels } } : {}),
    ...(sc.secrets ? { secretsEnv: { ...sc.secrets } } : {}),
  };
  const t = await startTestApp(env, opts);
  const client = new ExtProcTestClient(t.target);
  try {
    const before = await quiesce(t);
    const metadata = sc.metadata?.(ctx) ?? {};
    const s = client.open(metadata);
    const steps: StepRecord[] = [];
    let stopped = false;
    let immediate = false;
    let observability = false;
    const replies: Reply[] = [];
    for (const step of sc.steps) {
      if (stopped) break;
      if ('cancel' in step) {
        s.call.cancel();
        steps.push({ cancelled: true });
        continue;
      }
      for (const m of step.send) {
        if (m.observability_mode) observability = true;
        s.send(m);
      }
      const rec: StepRecord = { envoy: step.send.map((m) => protoJson(m)) };
      const want = step.expect ?? (observability ? 0 : step.send.length);
      const got: Reply[] = [];
      while (got.length < want) {
        try {
          const r = await s.next(REPLY_TIMEOUT_MS);
          got.push(r);
          if (r.immediate_response) {
            stopped = true;
            immediate = true;
            break;
          }
        } catch (err) {
          rec.error = err instanceof Error ? err.message : String(err);
          stopped = true;
          break;
        }
      }
      replies.push(...got);
      rec.server = got.map((r) => protoJson(r));
      steps.push(rec);
    }
    let status: StatusObject | undefined;
    // After an immediate response Envoy closes the stream itself (the server does not end it).
    let endedBy: string = immediate ? 'half-close' : (sc.end ?? 'server');
    if (endedBy === 'server') {
      status = await s.waitStatus(REPLY_TIMEOUT_MS);
      if (!status) endedBy = 'nobody (no status within the timeout)';
    } else if (endedBy === 'half-close') {
      status = await s.endGracefully(REPLY_TIMEOUT_MS).catch(() => undefined);
    } else {
      status = await s.waitStatus(REPLY_TIMEOUT_MS);
    }
    const extra = await drain(s);
    s.endAndCancel();
    const after = await quiesce(t);
    const record = {
      scenario: sc.name,
      description: sc.description,
      mode: sc.mode,
      grpcMetadata: metadata,
      steps,
      unexpectedReplies: extra.map((r) => protoJson(r)),
      end: { by: endedBy, status: statusJson(status) },
      metrics: metricDeltas(before, after),
      logs: t.logs.filter(KEEP_LOG).map(normalizeLog),
      ...(services.webhook
        ? {
            webhookCalls: services.webhook.requests.map((c) => ({
              phase: c.phase,
              headers: Object.fromEntries(Object.entries(c.headers).filter(([k]) => k !== 'host')),
              body: c.json ?? c.raw,
            })),
          }
        : {}),
      ...(services.moderation
        ? {
            moderationCalls: services.moderation.requests.map((c) => ({
              path: c.path,
              token: c.token,
              body: c.json,
            })),
          }
        : {}),
      ...(sc.sigv4 ? { sigv4: checkSigV4([...replies, ...extra], sc.sigv4) } : {}),
    };
    return sortKeys(normalizeTree(record));
  } finally {
    client.close();
    await t.close();
    await services.webhook?.close();
    await services.moderation?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }
}
