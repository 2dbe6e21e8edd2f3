/** The OpenAI Chat Completions client API is the canonical form: requests and responses pass as they are. */
import type {
  CanonicalError,
  ClientAdapter,
  ClientStreamEncoder,
  Json,
  OpenAIChatChunk,
} from '../translate/types.js';
import { TranslationError } from '../translate/types.js';

class OpenAIStreamEncoder implements ClientStreamEncoder {
  push(chunks: readonly OpenAIChatChunk[]): string {
    let out = '';
    for (const c of chunks) out += `data: ${JSON.stringify(c)}\n\n`;
    return out;
  }
  end(): string {
    return 'data: [DONE]\n\n';
  }
}

export const openaiClient: ClientAdapter = {
  api: 'openai',
  request(body: Json) {
    if (!Array.isArray(body.messages))
      throw new TranslationError(400, "'messages' is required and must be a list");
    return body;
  },
  response: (completion) => completion,
  error: (err: CanonicalError) => ({
    error: { message: err.message, type: err.type, param: null, code: err.code ?? null },
  }),
  stream: () => new OpenAIStreamEncoder(),
};
