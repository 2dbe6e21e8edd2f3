/**
 * What a Responses answer's rendering needs from its request: which upstream functions stand for
 * custom tools (./custom-tools.ts) and which for namespaced ones (./namespace-tools.ts).
 */
import type { Json } from '../translate/types.js';
import { customToolNames } from './custom-tools.js';
import { namespacedTools } from './namespace-tools.js';
import type { NamespacedTool } from './namespace-tools.js';

export interface RequestTools {
  readonly custom: ReadonlySet<string>;
  /** Flat upstream function name → the namespaced tool it stands for. */
  readonly namespaced: ReadonlyMap<string, NamespacedTool>;
}

/** A request with neither. */
export const NO_REQUEST_TOOLS: RequestTools = { custom: new Set(), namespaced: new Map() };

/** The request's tools, or undefined when it has neither kind. */
export function requestTools(body: Json): RequestTools | undefined {
  const custom = customToolNames(body);
  const namespaced = namespacedTools(body);
  return custom.size === 0 && namespaced.size === 0 ? undefined : { custom, namespaced };
}

/** Whether the upstream function `name` stands for a custom tool (in a namespace or not). */
export const isCustomCall = (tools: RequestTools, name: string): boolean =>
  tools.custom.has(name) || tools.namespaced.get(name)?.custom === true;
