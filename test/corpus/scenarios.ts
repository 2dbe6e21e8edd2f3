/**
 * The ext_proc corpus: recorded exchanges of the CURRENT server, to replay after a refactor.
 *
 * Each scenario is a server setup (kgateway mode with per-route gRPC initial metadata, or standalone
 * mode with a YAML config) plus the message sequence a fake Envoy sends, in the processing modes of
 * envoy/kgateway/envoy.yaml (STREAMED both ways) and envoy/standalone/envoy.yaml (BUFFERED request,
 * STREAMED response). recorder.ts runs it against the real server in-process and writes, per step,
 * the messages sent and the replies received, the final gRPC status, the ai_* / gen_ai_* metric
 * deltas, the summary/warning log lines and the guard services' calls, normalized (normalize.ts).
 *
 * Record (rewrites test/fixtures/corpus/<scenario>.json):
 *   npx tsc -p tsconfig.json && RECORD_CORPUS=1 node_modules/.bin/node --test dist/test/integration/corpus.test.js
 * Replay (compares with the stored files):
 *   npx tsc -p tsconfig.json && node_modules/.bin/node --test dist/test/integration/corpus.test.js
 * One scenario: add CORPUS_ONLY=<name>[,<name>…].
 *
 * After a refactor the replay must pass unchanged. If a difference is an intentional fix, re-record,
 * and list every changed scenario and why in test/fixtures/corpus/CHANGES.md; every other diff is a
 * regression.
 */
import type { Scenario } from './types.js';
import { KGATEWAY_SCENARIOS } from './scenarios-kgateway.js';
import { GUARD_SCENARIOS } from './scenarios-guards.js';
import { STANDALONE_SCENARIOS } from './scenarios-standalone.js';
import { STANDALONE_ERROR_SCENARIOS } from './scenarios-standalone-errors.js';

export const SCENARIOS: readonly Scenario[] = [
  ...KGATEWAY_SCENARIOS,
  ...GUARD_SCENARIOS,
  ...STANDALONE_SCENARIOS,
  ...STANDALONE_ERROR_SCENARIOS,
];
