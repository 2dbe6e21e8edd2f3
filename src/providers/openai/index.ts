/** OpenAI-compatible upstreams (OpenAI, Azure OpenAI, Mistral, Ollama) and the canonical-form helpers. */
export { openaiClient } from './client.js';
export { azureOpenAIProvider, mistralProvider, ollamaProvider, openaiProvider } from './provider.js';
export { clientAskedStreamUsage, dropInjectedUsageChunk, injectedStreamUsage } from './stream-usage.js';
export { DEFAULT_AZURE_API_VERSION } from './profiles.js';
