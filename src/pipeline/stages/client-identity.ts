/**
 * Stage 1: who is asking. A configured client by its virtual key (sent where a provider key goes;
 * the backend's own credential replaces it upstream), or the name in the identity header Envoy set
 * after its own authentication (client copies are removed at Envoy's edge). A route that requires a
 * client answers 401 in the client's API format when there is none.
 */
import type { ClientIdentity } from '../../config/client-identity.js';
import { clientCredential } from '../../config/standalone/index.js';
import type { RequestScope, RouteView, Stage, StageNeeds, Verdict } from '../stage.js';

const READ: StageNeeds = Object.freeze({ request: 'read' });
const MAX_NAME = 256;
const NO_TAGS: readonly string[] = Object.freeze([]);

export class ClientIdentityStage implements Stage {
  readonly name = 'client-identity';

  needs(route: RouteView): StageNeeds | undefined {
    return route.policy.access ? READ : undefined;
  }

  onRequest(s: RequestScope): Verdict {
    const a = s.route.policy.access;
    if (!a) return;
    const c = a.clients;
    const h = s.x.headers;
    let id: ClientIdentity | undefined;
    let presented = false;
    if (c.identityHeader !== undefined) {
      const name = h.get(c.identityHeader)?.trim();
      if (name && name.length <= MAX_NAME) {
        const known = c.byName(name);
        const team = c.teamHeader !== undefined ? h.get(c.teamHeader)?.trim().slice(0, MAX_NAME) : undefined;
        id = { name, team: team || known?.team, tags: known?.tags ?? NO_TAGS, via: 'header' };
      }
    }
    if (!id && a.readsKeys) {
      const key = clientCredential(h, 'authorization');
      presented = key !== undefined;
      if (key !== undefined) id = c.byKey(key);
    }
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
