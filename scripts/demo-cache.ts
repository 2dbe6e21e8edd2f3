/**
 * The semantic cache in `make demo`: the example config's /cached route (local MiniLM embedder,
 * memory store). The banner's commands, and the smoke steps: a question, the same question again
 * (an exact hit), a paraphrase (a semantic hit) and a near miss (upstream), with their headers.
 */
import OpenAI from 'openai';

export function cacheExamples(url: string, metricsPort: number): string {
  const ask = (q: string): string =>
    `  curl -si ${url}/cached/v1/chat/completions -H 'content-type: application/json' \\\n` +
    `    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"${q}"}]}' | grep -i '^x-ai-cache'`;
  return `The semantic cache (/cached: the local MiniLM embedder, in memory). Ask, ask again (x-ai-cache: hit),
ask a paraphrase (semantic-hit, x-ai-cache-similarity 0.9…), ask a near miss (miss: it goes upstream):
${ask('What is the capital of France?')}
${ask('What is the capital of France?')}
${ask('Which city is the capital of France?')}
${ask('What is the capital of Germany?')}
  Cache metrics: curl -s http://127.0.0.1:${metricsPort}/metrics | grep ^ai_extproc_cache_

`;
}

/** The smoke steps; prints one line per request. */
export async function cacheDemo(url: string, metricsPort: number): Promise<void> {
  const sdk = new OpenAI({ baseURL: `${url}/cached/v1`, apiKey: 'unused', maxRetries: 0, timeout: 30_000 });
  const ask = async (q: string) => {
    const { data, response } = await sdk.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: q }] })
      .withResponse();
    return {
      cache: response.headers.get('x-ai-cache'),
      similarity: response.headers.get('x-ai-cache-similarity'),
      text: data.choices[0]?.message.content ?? '',
    };
  };
  const show = (label: string, r: { cache: string | null; similarity: string | null; text: string }) =>
    console.log(
      `cache ${label}: x-ai-cache ${r.cache}${r.similarity ? `, similarity ${r.similarity}` : ''}, ${r.text.length} chars`,
    );
  const q = 'What is the capital of France?';
  show(JSON.stringify(q), await ask(q));
  // The answer is stored after it was sent: ask again until it is there (bounded).
  let again = await ask(q);
  for (let i = 0; i < 50 && again.cache !== 'hit'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    again = await ask(q);
  }
  show('same question again', again);
  show(
    JSON.stringify('Which city is the capital of France?'),
    await ask('Which city is the capital of France?'),
  );
  show(JSON.stringify('What is the capital of Germany?'), await ask('What is the capital of Germany?'));
  const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  console.log(
    metrics
      .split('\n')
      .filter((l) => l.startsWith('ai_extproc_cache_requests_total{'))
      .join('\n'),
  );
}
