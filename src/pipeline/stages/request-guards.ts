/** Request guards (webhook → regex → moderation) on the canonical request body; they may mask it in place. */
import type { GuardRunner } from '../guard-runner.js';
import type { RequestScope, Stage, StageNeeds, Verdict, RouteView } from '../stage.js';
import { guardContext } from './guard-context.js';

const HOLD: StageNeeds = Object.freeze({ request: 'hold' });

export class RequestGuardsStage implements Stage {
  readonly name = 'request-guards';
  constructor(private readonly guards: GuardRunner) {}

  needs(route: RouteView): StageNeeds | undefined {
    return route.policy.requestGuards ? HOLD : undefined;
  }

  async onRequest(s: RequestScope): Promise<Verdict> {
    const cfg = s.route.policy.requestGuards;
    if (!cfg) return;
    const r = await this.guards.request(s.body, cfg, guardContext(s, s.span, 'request'));
    if (r.kind === 'reject') {
      const type = r.refusal.status === 403 ? 'permission_error' : 'invalid_request_error';
      return { refuse: { ...r.refusal, type } };
    }
    if (r.changed) s.changed();
  }
}
