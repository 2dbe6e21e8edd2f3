/** OpenAI Responses API: the client adapter (Responses ⇄ canonical chat). */
export { responsesClient, responsesDroppedParams } from './client.js';
export { STATEFUL_MESSAGE } from './responses-to-openai.request.js';
export { responsesProvider } from './provider.js';
