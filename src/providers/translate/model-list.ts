/**
 * Model listings in each client API's own shape: OpenAI's `GET /v1/models` list and model object,
 * Anthropic's paginated `GET /v1/models` (one page, has_more false) and model object. The config
 * carries no dates, so `created` is 0 and `created_at` the epoch.
 */
import type { ClientApi, Json } from './types.js';

export interface ModelEntry {
  readonly id: string;
  /** Who serves it (the backend's provider), OpenAI's owned_by. */
  readonly ownedBy: string;
}

const EPOCH = '1970-01-01T00:00:00Z';

export function modelObject(api: ClientApi, m: ModelEntry): Json {
  return api === 'anthropic'
    ? { type: 'model', id: m.id, display_name: m.id, created_at: EPOCH }
    : { id: m.id, object: 'model', created: 0, owned_by: m.ownedBy };
}

export function modelList(api: ClientApi, models: readonly ModelEntry[]): Json {
  const data = models.map((m) => modelObject(api, m));
  if (api === 'openai') return { object: 'list', data };
  return {
    data,
    has_more: false,
    first_id: models[0]?.id ?? null,
    last_id: models.at(-1)?.id ?? null,
  };
}
