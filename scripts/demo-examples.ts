/** The banner `make demo` prints once the stack is up: the ready-to-paste curl and SDK examples. */
import { cacheExamples } from './demo-cache.js';
import { children, state } from './demo-processes.js';
import { ADMIN_PORT, MCP_PORT, METRICS_PORT, MODE, REAL, SOCKET, UPSTREAM_PORT } from './demo-settings.js';

export function examples(url: string): string {
  const head = `
ai-extproc demo is up (${MODE} mode${REAL ? ', real providers' : ', mock provider, no API keys needed'}).

  Envoy:      ${url}            (admin http://127.0.0.1:${ADMIN_PORT}, pid ${state.envoy?.proc.pid ?? '?'})
  ai-extproc: unix-abstract:${SOCKET}   metrics http://127.0.0.1:${METRICS_PORT}/metrics (pid ${children[1]?.pid ?? '?'})
  mock LLM:   http://127.0.0.1:${UPSTREAM_PORT}   (pid ${children[0]?.pid ?? '?'})
`;
  if (MODE === 'kgateway') {
    return `${head}
OpenAI-style chat (non-streaming, then streaming):
  curl -s ${url}/v1/chat/completions -H 'content-type: application/json' -H 'authorization: Bearer sk-demo' \\
    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello!"}]}'
  curl -sN ${url}/v1/chat/completions -H 'content-type: application/json' -H 'authorization: Bearer sk-demo' \\
    -d '{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"Hello!"}]}'

Anthropic Messages and Gemini:
  curl -s ${url}/v1/messages -H 'content-type: application/json' -H 'x-api-key: demo' \\
    -d '{"model":"claude-3-5-haiku-latest","max_tokens":64,"messages":[{"role":"user","content":"Hello!"}]}'
  curl -s '${url}/v1beta/models/gemini-2.0-flash:generateContent' -H 'content-type: application/json' \\
    -d '{"contents":[{"role":"user","parts":[{"text":"Hello!"}]}]}'

A prompt guard (PII masked in the request the upstream receives, and in the answer):
  curl -s ${url}/guarded/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"my card is 4111 1111 1111 1111"}]}'

Token metrics:   curl -s http://127.0.0.1:${METRICS_PORT}/metrics | grep ^ai_
Per-request metadata (Envoy access log, one JSON line per request): ${state.envoy?.accessLog ?? ''}

Ctrl-C stops the stack.
`;
  }
  return `${head}
The tutorial's request (no model in the body: the /openai route's backend fills in gpt-3.5-turbo):
  curl -X POST "${url}/openai" -H "Content-Type: application/json" \\
    -d '{"messages":[{"role":"user","content":"Hello, how are you?"}]}'

List the models (OpenAI's format; send anthropic-version for Anthropic's):
  curl -s ${url}/v1/models

One OpenAI-compatible endpoint; the model name picks the provider (config/examples/standalone.yaml):
  curl -s ${url}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello!"}]}'
  curl -s ${url}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"claude-sonnet","messages":[{"role":"user","content":"Hello!"}]}'
  curl -sN ${url}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"gemini-flash","stream":true,"messages":[{"role":"user","content":"Hello!"}]}'
  curl -sN ${url}/v1/chat/completions -H 'content-type: application/json' \\
    -d '{"model":"bedrock-haiku","stream":true,"messages":[{"role":"user","content":"Hello!"}]}'

OpenAI Responses API clients, to any provider (here Claude; streamed with typed events):
  curl -s ${url}/v1/responses -H 'content-type: application/json' \\
    -d '{"model":"claude-sonnet","instructions":"Be brief.","input":"Hello!","store":false}'
  curl -sN ${url}/v1/responses -H 'content-type: application/json' \\
    -d '{"model":"claude-sonnet","input":"Hello!","store":false,"stream":true}'

Gemini-native clients (Google's SDK; the model is in the path), to any provider (here Claude; then streamed):
  curl -s '${url}/v1beta/models/claude-sonnet:generateContent' -H 'content-type: application/json' \\
    -d '{"contents":[{"role":"user","parts":[{"text":"Hello!"}]}]}'
  curl -sN '${url}/v1beta/models/claude-sonnet:streamGenerateContent?alt=sse' -H 'content-type: application/json' \\
    -d '{"contents":[{"role":"user","parts":[{"text":"Hello!"}]}]}'

Embeddings (OpenAI's format in; each provider's embeddings API out):
  curl -s ${url}/v1/embeddings -H 'content-type: application/json' \\
    -d '{"model":"gemini-embedding","input":["Hello!","Bonjour !"]}'

Anthropic clients (Messages API), to Anthropic or to OpenAI:
  curl -s ${url}/v1/messages -H 'content-type: application/json' \\
    -d '{"model":"gpt-4o-mini","max_tokens":64,"messages":[{"role":"user","content":"Hello!"}]}'

A budget (2 requests a minute on /limited; the third gets a 429, the OpenAI SDK a RateLimitError):
  for i in 1 2 3; do curl -s -o /dev/null -w '%{http_code}\\n' ${url}/limited/v1/chat/completions \\
    -H 'content-type: application/json' -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}]}'; done

OpenAI SDK (node):
  import OpenAI from 'openai';
  const client = new OpenAI({ baseURL: '${url}/v1', apiKey: 'unused' });
  const r = await client.chat.completions.create({ model: 'claude-sonnet', messages: [{ role: 'user', content: 'Hello!' }] });

${REAL ? '' : cacheExamples(url, METRICS_PORT) + mcpExamples(url)}Metrics:  curl -s http://127.0.0.1:${METRICS_PORT}/metrics | grep -E '^(gen_ai|ai_)'
Edit the config while it runs (hot reload; Envoy follows): ${state.configFile ?? ''}
Envoy's config, generated from it:                       ${state.envoy?.configPath ?? ''}

Ctrl-C stops the stack.
`;
}

/** The MCP route of the example config, in front of the small MCP server on the official SDK. */
function mcpExamples(url: string): string {
  const rpc = (body: string): string =>
    `  curl -s ${url}/mcp -H 'content-type: application/json' -H 'accept: application/json, text/event-stream' \\\n    -d '${body}'`;
  return `MCP guard (/mcp → a small MCP server on the official SDK, http://127.0.0.1:${MCP_PORT}/mcp):
the tool delete_everything is denied (and left out of tools/list), card numbers are masked in
tool arguments before the server sees them and in results before the client does.
${rpc('{"jsonrpc":"2.0","id":1,"method":"tools/list"}')}
${rpc('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"delete_everything","arguments":{}}}')}
${rpc('{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"pay with 4111 1111 1111 1111"}}}')}
  Any MCP client works too (Streamable HTTP, ${url}/mcp); MCP metrics: grep ^ai_extproc_mcp_

`;
}
