/**
 * Who is asking, from request headers: the name in the identity header Envoy set after its own
 * authentication (client copies are removed at Envoy's edge), else a configured client's virtual
 * key. One implementation for the AI exchange's identity stage, the MCP guard routes and the MCP
 * gateway endpoint.
 */
import type { ClientDirectory, ClientIdentity } from './client-identity.js';
import { clientCredential } from './standalone/auth.js';

const MAX_NAME = 256;
const NO_TAGS: readonly string[] = Object.freeze([]);

export interface Identified {
  readonly client: ClientIdentity | undefined;
  /** A key was presented (known or not): "unknown key" rather than "no key". */
  readonly presentedKey: boolean;
}

/** `headers` keys are lower case; `readsKeys` false: virtual keys are not looked at. */
export function identifyClient(
  headers: ReadonlyMap<string, string>,
  c: ClientDirectory,
  readsKeys: boolean,
): Identified {
  if (c.identityHeader !== undefined) {
    const name = headers.get(c.identityHeader)?.trim();
    if (name && name.length <= MAX_NAME) {
      const known = c.byName(name);
      const team =
        c.teamHeader !== undefined ? headers.get(c.teamHeader)?.trim().slice(0, MAX_NAME) : undefined;
      return {
        client: { name, team: team || known?.team, tags: known?.tags ?? NO_TAGS, via: 'header' },
        presentedKey: false,
      };
    }
  }
  if (!readsKeys) return { client: undefined, presentedKey: false };
  const key = clientCredential(headers, 'authorization');
  return { client: key === undefined ? undefined : c.byKey(key), presentedKey: key !== undefined };
}
