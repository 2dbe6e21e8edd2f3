/**
 * The pipeline's port to the pools' live state (src/pools/ implements it; the composition root
 * starts and stops it): per pool backend, its servers as the picker sees them now, its prefix
 * index, and where picks are counted.
 */
import type { CompiledPool } from '../config/standalone/index.js';
import type { EndpointView } from '../picking/picker.js';
import type { PrefixIndex } from '../picking/prefix-cache.js';

export interface LivePool {
  /** The backend's name. */
  readonly name: string;
  readonly pool: CompiledPool;
  readonly prefix: PrefixIndex;
  views(): readonly EndpointView[];
  /** The address is one of the pool's servers now. */
  isMember(endpoint: string): boolean;
  /** Counts a pick (endpoint '' for none); reason: scored | forced | unscored | shed | no-ready … */
  picked(endpoint: string, reason: string): void;
  /** A picked request finished (however): one fewer in flight to that server. */
  finished(endpoint: string): void;
}

export interface PoolDirectory {
  /** The live pool of a backend (by name and config); undefined: not a pool, or not started. */
  get(backend: string, pool: CompiledPool): LivePool | undefined;
}
