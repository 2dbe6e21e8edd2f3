/**
 * Stage 1: who is asking. A configured client by its virtual key (sent where a provider key goes;
 * the backend's own credential replaces it upstream), or the name in the identity header Envoy set
 * after its own authentication (client copies are removed at Envoy's edge). A route that requires a
 * client answers 401 in the client's API format when there is none.
 */
import { identifyClient } from '../../config/identify-client.js';
import type { RequestScope, RouteView, Stage, StageNeeds, Verdict } from '../stage.js';

const READ: StageNeeds = Object.freeze({ request: 'read' });

export class ClientIdentityStage implements Stage {
  readonly name = 'client-identity';

  needs(route: RouteView): StageNeeds | undefined {
    return route.policy.access ? READ : undefined;
  }

  onRequest(s: RequestScope): Verdict {
    const a = s.route.policy.access;
    if (!a) return;
    const { client: id, presentedKey: presented } = identifyClient(s.x.headers, a.clients, a.readsKeys);
    s.x.client = id;
    if (id || !a.requireClient) return;
    return {
      refuse: {
        status: 401,
        message: presented ? 'Unknown client key' : 'This route requires a client key',
        code: 'ai_extproc_client_unauthenticated',
        type: 'authentication_error',
      },
    };
  }
}
