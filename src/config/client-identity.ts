/** Who is asking (standalone): a configured client by its virtual key, or a name Envoy vouches for. */
import type { LimitSpec, PriceTable } from '../limits/types.js';

export interface ClientIdentity {
  readonly name: string;
  readonly team: string | undefined;
  readonly tags: readonly string[];
  /** key: a configured virtual key; header: the identity header Envoy set after its own auth. */
  readonly via: 'key' | 'header';
}

/** The configured clients. Keys are held only as keyed hashes; nothing here holds a key. */
export interface ClientDirectory {
  /** The client whose virtual key this is (compared in constant time), if any. */
  byKey(key: string): ClientIdentity | undefined;
  byName(name: string): ClientIdentity | undefined;
  /** Configured client and team names (bounded metric labels). */
  readonly names: ReadonlySet<string>;
  readonly teams: ReadonlySet<string>;
  /** Envoy sets these after its own authentication; client copies are removed at the edge. */
  readonly identityHeader: string | undefined;
  readonly teamHeader: string | undefined;
}

/** A route's client and budget policy (standalone). */
export interface AccessPolicy {
  readonly clients: ClientDirectory;
  /** Only a configured client (or the identity header) may use the route; others get 401. */
  readonly requireClient: boolean;
  /** Virtual keys are read here (never on a route whose backend passes the client's key through). */
  readonly readsKeys: boolean;
  /** Global limits, then the route's own; empty: no budget stage. */
  readonly limits: readonly LimitSpec[];
  readonly pricing: PriceTable;
  /** Set upstream when the request names no max_tokens, so the reservation is an upper bound. */
  readonly maxOutputTokens: number;
  /** The provider model a client model resolves to on this route (prices are by provider model). */
  providerModel(clientModel: string): string;
}
