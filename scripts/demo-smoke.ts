/** `make demo -- --smoke` (demo.js --smoke): a few requests through the running stack, results printed. */
import OpenAI from 'openai';
import { GoogleGenAI } from '@google/genai';
import { cacheDemo } from './demo-cache.js';
import { state } from './demo-processes.js';
import { METRICS_PORT, MODE, REAL } from './demo-settings.js';

/** tools/call and tools/list through the MCP route; the JSON-RPC answer (JSON or one SSE event). */
async function mcpCall(
  url: string,
  id: number,
  method: string,
  params?: object,
): Promise<Record<string, unknown>> {
  const r = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) }),
  });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`/mcp ${method}: HTTP ${r.status} ${text}`);
  const data = text.startsWith('{') ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? '');
  return JSON.parse(data) as Record<string, unknown>;
}

export async function smokeTest(url: string): Promise<void> {
  const post = async (p: string, body: object, headers: Record<string, string> = {}): Promise<string> => {
    const r = await fetch(`${url}${p}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    const text = await r.text();
    if (r.status !== 200) throw new Error(`${p}: HTTP ${r.status} ${text}`);
    return text;
  };
  const hello = [{ role: 'user', content: 'Hello!' }];
  if (MODE === 'standalone' && !REAL) {
    const t = JSON.parse(
      await post('/openai', { messages: [{ role: 'user', content: 'Hello, how are you?' }] }),
    ) as { model: string; choices: { message: { content: string } }[] };
    console.log(`tutorial /openai: answered by ${t.model}: ${JSON.stringify(t.choices[0]?.message.content)}`);
    const list = (await (await fetch(`${url}/v1/models`)).json()) as {
      object: string;
      data: { id: string }[];
    };
    console.log(`models (${list.object}): ${list.data.map((m) => m.id).join(', ')}`);
    await budgetDemo(url);
    await cacheDemo(url, METRICS_PORT);
  }
  if (MODE === 'standalone') {
    for (const model of ['gpt-4o-mini', 'claude-sonnet', 'gemini-flash', 'bedrock-haiku']) {
      const j = JSON.parse(await post('/v1/chat/completions', { model, messages: hello })) as {
        model: string;
        usage?: object;
      };
      console.log(`chat ${model}: answered by ${j.model}, usage ${JSON.stringify(j.usage)}`);
      const sse = await post('/v1/chat/completions', { model, stream: true, messages: hello });
      console.log(
        `chat ${model} (stream): ${sse.split('\n\n').filter(Boolean).length} events, ends with ${JSON.stringify(sse.trim().split('\n').at(-1))}`,
      );
    }
    const m = JSON.parse(
      await post('/v1/messages', { model: 'gpt-4o-mini', max_tokens: 64, messages: hello }),
    ) as { type: string };
    console.log(`messages gpt-4o-mini: ${m.type}`);
    if (!REAL)
      for (const model of ['text-embedding-3-small', 'gemini-embedding', 'titan-embed']) {
        const input = model === 'titan-embed' ? 'Hello!' : ['Hello!', 'Bonjour !'];
        const e = JSON.parse(await post('/v1/embeddings', { model, input })) as {
          model: string;
          data: { embedding: number[] }[];
          usage: object;
        };
        console.log(
          `embeddings ${model}: ${e.data.length} vector(s) of ${e.data[0]?.embedding.length} floats from ${e.model}, usage ${JSON.stringify(e.usage)}`,
        );
      }
    const responsesSdk = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'unused', maxRetries: 0 });
    if (!REAL) {
      const r = await responsesSdk.responses.create({
        model: 'claude-sonnet',
        input: 'Hello!',
        store: false,
      });
      console.log(
        `responses claude-sonnet: ${r.status}, ${r.output_text.length} chars, usage ${JSON.stringify(r.usage)}`,
      );
    }
    if (!REAL) {
      const genai = new GoogleGenAI({
        apiKey: 'unused',
        apiVersion: 'v1beta',
        httpOptions: { baseUrl: url },
      });
      const g = await genai.models.generateContent({ model: 'claude-sonnet', contents: 'Hello!' });
      console.log(
        `gemini-native claude-sonnet: ${g.candidates?.[0]?.finishReason}, ${g.text?.length ?? 0} chars, usage ${JSON.stringify(g.usageMetadata)}`,
      );
    }
    if (!REAL) {
      const list = (await mcpCall(url, 1, 'tools/list')) as { result: { tools: { name: string }[] } };
      console.log(`mcp tools/list: ${list.result.tools.map((t) => t.name).join(', ')}`);
      const denied = (await mcpCall(url, 2, 'tools/call', { name: 'delete_everything', arguments: {} })) as {
        error: { code: number; message: string };
      };
      console.log(`mcp delete_everything: error ${denied.error.code} ${denied.error.message}`);
      const echo = (await mcpCall(url, 3, 'tools/call', {
        name: 'echo',
        arguments: { text: 'pay with 4111 1111 1111 1111' },
      })) as { result: { content: { text: string }[] } };
      console.log(`mcp echo: ${echo.result.content[0]?.text}`);
    }
  } else {
    await post(
      '/v1/chat/completions',
      { model: 'gpt-4o-mini', messages: hello },
      { authorization: 'Bearer sk-demo' },
    );
    await post(
      '/v1/chat/completions',
      { model: 'gpt-4o-mini', stream: true, messages: hello },
      { authorization: 'Bearer sk-demo' },
    );
    await post('/v1/messages', { model: 'claude-3-5-haiku-latest', max_tokens: 64, messages: hello });
    await post('/v1beta/models/gemini-2.0-flash:generateContent', {
      contents: [{ role: 'user', parts: [{ text: 'Hello!' }] }],
    });
    const logs = await state.envoy!.waitForAccessLog(4);
    for (const l of logs) {
      const f = (k: string): string => JSON.stringify(l[k] ?? null);
      console.log(
        `access log: ${f('path')} status=${f('status')} provider=${f('provider')} prompt_tokens=${f('prompt_tokens')} completion_tokens=${f('completion_tokens')}`,
      );
    }
  }
  const metrics = await (await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`)).text();
  console.log(
    metrics
      .split('\n')
      .filter((l) => l.startsWith('ai_completion_tokens_total'))
      .join('\n'),
  );
}

/** The /limited route's budget: two requests a minute; the OpenAI SDK raises RateLimitError on the third. */
async function budgetDemo(url: string): Promise<void> {
  const sdk = new OpenAI({ baseURL: `${url}/limited/v1`, apiKey: 'unused', maxRetries: 0 });
  for (let i = 1; i <= 3; i++) {
    try {
      await sdk.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'Hello!' }],
      });
      console.log(`budget: request ${i} answered`);
    } catch (err) {
      if (!(err instanceof OpenAI.RateLimitError)) throw err;
      const h = err.headers;
      console.log(
        `budget: request ${i} refused: RateLimitError ${err.status} (retry-after ${h.get('retry-after')}s, ` +
          `x-ratelimit-remaining-requests ${h.get('x-ratelimit-remaining-requests')})`,
      );
    }
  }
}
