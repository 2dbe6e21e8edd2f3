/**
 * kgateway mode: the per-route policy arrives in gRPC initial metadata (docs/reference/kgateway-contract.md §2.3);
 * bodies pass through (PassthroughCodec); local replies are text/plain; metadata goes to
 * ai.kgateway.io with kgateway's keys.
 */
import type { KgatewayPolicySource } from '../../config/kgateway-policy.js';
import type { RoutePolicy } from '../../config/route-policy.js';
import { providerFamily } from '../../provider-family.js';
import type { ResponseFacts } from '../../providers/usage.js';
import { PassthroughCodec } from '../codecs/passthrough.js';
import type { FactsSeed, Mode, Opened, Thrower } from '../exchange.js';
import type { Refusal } from '../reply.js';
import type { Route } from '../route.js';
import type { ExchangeFacts, Stage } from '../stage.js';
import type { DynamicMetadata, HeaderView, LocalReply, StreamInfo } from '../types.js';

export const KGATEWAY_NS = 'ai.kgateway.io';

export interface KgatewayModeDeps {
  readonly policies: Pick<KgatewayPolicySource, 'resolve'>;
  readonly stages: readonly Stage[];
  readonly maxBodyBytes: number;
}

/** kgateway's replies are plain text; the code goes to Envoy's %RESPONSE_CODE_DETAILS%. */
export function renderText(r: Refusal): LocalReply {
  return { status: r.status, body: r.message, headers: [['content-type', 'text/plain']], details: r.code };
}

function finalMetadata(x: ExchangeFacts, facts: ResponseFacts): DynamicMetadata {
  const prompt = facts.usage?.promptTokens ?? 0;
  const completion = facts.usage?.completionTokens ?? 0;
  return {
    [KGATEWAY_NS]: {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      // An apply_on_stream_done rate limit charges this on top of the request-time estimate.
      rate_limit_correction: Math.max(0, prompt + completion - x.estimate),
      rate_limited_tokens: x.estimate,
      model: x.model,
      provider: x.provider,
      provider_model: facts.responseModel ?? '',
      streaming: x.responseStreaming,
    },
  };
}

export class KgatewayMode implements Mode {
  constructor(private readonly deps: KgatewayModeDeps) {}

  open(info: StreamInfo, headers: HeaderView, _eos: boolean, seed: FactsSeed, exception: Thrower): Opened {
    let policy: RoutePolicy;
    try {
      policy = this.deps.policies.resolve(info.grpcMetadata);
    } catch (err) {
      // A guard config we cannot parse must not let the request through unguarded.
      exception('policy', err);
      return {
        kind: 'reply',
        reply: renderText({
          status: 500,
          message: 'Invalid AI policy configuration',
          code: 'ai_extproc_invalid_policy',
        }),
      };
    }
    seed.provider = policy.provider;
    seed.family = providerFamily(policy.provider);
    const route: Route = {
      name: undefined,
      policy,
      stages: this.deps.stages,
      codec: new PassthroughCodec(policy, this.deps.maxBodyBytes, exception),
      render: renderText,
      finalMetadata,
    };
    // Passthrough auth reads the upstream credential from this key (docs/reference/kgateway-contract.md §3.1).
    const auth = headers.get('authorization');
    const token = auth === undefined ? 'unknown' : auth.startsWith('Bearer ') ? auth.slice(7) : auth;
    return { kind: 'route', route, metadata: { [KGATEWAY_NS]: { auth_token: token } } };
  }
}
