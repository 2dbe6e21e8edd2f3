/**
 * Standalone routes' request policy, before the estimate and the guards (so both see what goes
 * upstream): prompt enrichment, field defaults, and stream_options.include_usage on streams (the
 * gateway needs the usage; the codec hides the extra chunk from a client that did not ask for it).
 */
import { applyDefaults, applyEnrichment, applyStreamUsage } from '../../config/standalone/index.js';
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
    let changed = false;
    if (d.promptEnrichment) changed = applyEnrichment(s.body, d.promptEnrichment, 'openai') || changed;
    changed = applyDefaults(s.body, d.defaults) || changed;
    if (s.x.streaming && d.streamUsage) changed = applyStreamUsage(s.body) || changed;
    if (changed) s.changed();
  }
}
