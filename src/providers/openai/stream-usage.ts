/**
 * Streaming usage that the client did not ask for.
 *
 * The gateway always wants token usage, so a streamed OpenAI-compatible upstream request gets
 * `stream_options.include_usage=true` (and Gemini/Vertex streams always end with a usage chunk). A client
 * that did not ask for usage must not see it: pipe the decoded chunks through
 * {@link dropInjectedUsageChunk} when {@link injectedStreamUsage} says so.
 */
import type { OpenAIChatChunk, OpenAIChatRequest, UpstreamTarget } from '../translate/types.js';
import { asObj } from '../../json.js';

/** True when the client's request did not ask for streaming usage (`stream_options.include_usage`). */
export function clientAskedStreamUsage(req: OpenAIChatRequest): boolean {
  return asObj(req.stream_options)?.include_usage === true;
}

/**
 * True when the upstream stream carries usage the client did not ask for: the target streams and the client
 * did not set `stream_options.include_usage=true`. Then filter the client's chunks with
 * {@link dropInjectedUsageChunk}. Valid for every provider adapter (OpenAI-compatible and Gemini/Vertex).
 */
export function injectedStreamUsage(req: OpenAIChatRequest, target: Pick<UpstreamTarget, 'stream'>): boolean {
  return target.stream && !clientAskedStreamUsage(req);
}

/**
 * Removes usage the client did not ask for: drops usage-only chunks (`choices: []` or no `choices`, with a `usage` object)
 * and deletes the `usage` key from any other chunk (OpenAI sends `usage: null` on every chunk once usage is
 * on; Mistral attaches usage to its last content chunk). Other chunks, including Azure's
 * `prompt_filter_results` chunk with empty choices and no usage, pass unchanged. Returns a new array;
 * modified chunks are shallow copies.
 */
export function dropInjectedUsageChunk(chunks: readonly OpenAIChatChunk[]): OpenAIChatChunk[] {
  const out: OpenAIChatChunk[] = [];
  for (const chunk of chunks) {
    if (!('usage' in chunk)) {
      out.push(chunk);
      continue;
    }
    const choices = chunk.choices;
    const noChoices = choices === undefined || (Array.isArray(choices) && choices.length === 0);
    if (noChoices && asObj(chunk.usage) !== undefined) continue;
    const { usage: _usage, ...rest } = chunk;
    out.push(rest);
  }
  return out;
}
