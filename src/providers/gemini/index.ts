/** Gemini (AI Studio) and Vertex AI generateContent upstreams. */
export { geminiProvider, vertexProvider } from './adapters.js';
export { DEFAULT_GEMINI_API_VERSION, DEFAULT_VERTEX_API_VERSION } from './paths.js';
export { cleanSchema } from './schema.js';
