/** The Gemini-native client API (a client on Google's SDK): paths, the client adapter. */
export { geminiClient, geminiClientFor } from './client.js';
export type { GeminiClientAdapter } from './client.js';
export { geminiCall, geminiQueryKey, withoutQueryKey } from './paths.js';
export type { GeminiCall, GeminiMethod } from './paths.js';
