export { NodeHttpClient } from './node-http-client.js';
export type { NodeHttpClientOptions } from './node-http-client.js';
