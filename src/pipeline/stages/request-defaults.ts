/**
 * Standalone routes' request policy, before the estimate and the guards (so both see what goes
 * upstream): prompt enrichment, field defaults, and stream_options.include_usage on streams (the
 * gateway needs the usage; the codec hides the extra chunk from a client that did not ask for it).
 * The policy is written in canonical terms and applied to the body in x.family's form: the
 * canonical body, or the client's own body on a same-API exchange (Anthropic names there).
 */
import {
  applyDefaults,
  applyEnrichment,
  applyGeminiEnrichment,
  applyResponsesEnrichment,
  applyStreamUsage,
  nativeDefaults,
} from '../../config/standalone/index.js';
import type { RequestScope, Stage, StageNeeds, RouteView } from '../stage.js';

const HOLD: StageNeeds = Object.freeze({ request: 'hold' });

export class RequestDefaultsStage implements Stage {
  readonly name = 'request-defaults';

  needs(route: RouteView): StageNeeds | undefined {
    return route.policy.requestDefaults ? HOLD : undefined;
  }

  onRequest(s: RequestScope): void {
    const d = s.route.policy.requestDefaults;
    if (!d) return;
    const family = s.x.family;
    // A native Responses body (OpenAI, server-side state: codecs/native.ts) has input, not messages:
    // the defaults go under their Responses names, enrichment around its input items.
    const responses =
      family === 'openai' && s.x.operation !== 'embeddings' && !('messages' in s.body) && 'input' in s.body;
    let changed = false;
    // Enrichment adds chat messages: an embeddings request has none (its field defaults still apply).
    if (d.promptEnrichment && s.x.operation !== 'embeddings') {
      if (responses) changed = applyResponsesEnrichment(s.body, d.promptEnrichment) || changed;
      else if (family === 'gemini') changed = applyGeminiEnrichment(s.body, d.promptEnrichment) || changed;
      else
        changed =
          applyEnrichment(s.body, d.promptEnrichment, family === 'anthropic' ? 'anthropic' : 'openai') ||
          changed;
    }
    const native = nativeDefaults(responses ? 'openai-responses' : family, d.defaults);
    changed = applyDefaults(s.body, native.defaults) || changed;
    s.x.dropped.push(...native.unsupported);
    // Anthropic, Gemini and Responses streams always carry usage.
    if (s.x.streaming && d.streamUsage && family === 'openai' && !responses)
      changed = applyStreamUsage(s.body) || changed;
    if (changed) s.changed();
  }
}
