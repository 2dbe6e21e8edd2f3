/** Standalone mode configuration: load, validate, compile, match, apply, watch. */
export type { ConfigIssue } from './issues.js';
export { formatIssue } from './issues.js';
export type { LoadTextOptions } from './load.js';
export { loadStandaloneConfig, loadStandaloneConfigText } from './load.js';
export * from './runtime.js';
export { applyDefaults, applyEnrichment, applyStreamUsage } from './policy-apply.js';
export { nativeDefaults } from './native-defaults.js';
export type { StopWatching, WatchOptions } from './watch.js';
export { watchConfig } from './watch.js';
export { CONFIG_SCHEMA } from './schema.js';
export { PROVIDERS } from './schema-primitives.js';
export { isSchemaValid } from './validate-schema.js';
export { CREDENTIAL_HEADERS, clientCredential } from './auth.js';
export type { CompiledAccess, RedisSettings, StoreSettings } from './access.js';
export { DEFAULT_ANTHROPIC_VERSION, DEFAULT_AZURE_API_VERSION } from './backends.js';
export type { ListedModel, ModelListing } from './model-list.js';
export { listModels } from './model-list.js';
export type { CompiledPool, FailureMode, PoolServer } from './pools.js';
