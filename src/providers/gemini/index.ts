/** Gemini (AI Studio) and Vertex AI generateContent upstreams. */
export { geminiProvider, vertexProvider } from './provider.js';
export { DEFAULT_GEMINI_API_VERSION, DEFAULT_VERTEX_API_VERSION } from './paths.js';
export { openAIToGeminiSchema } from './openai-to-gemini.schema.js';
