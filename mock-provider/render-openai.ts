/** OpenAI Chat Completions response bodies (JSON and stream chunks, Azure content filters included). */
import type { MockFixtures } from './fixtures.js';
import type { Ids, MockResponsePlan, MockUsage } from './types.js';
import { toolArgPieces } from './usage.js';

function openaiUsage(u: MockUsage): Record<string, unknown> {
  return {
    prompt_tokens: u.promptTokens,
    completion_tokens: u.completionTokens,
    total_tokens: u.totalTokens,
    prompt_tokens_details: { cached_tokens: u.cachedTokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

const AZURE_FILTER = {
  hate: { filtered: false, severity: 'safe' },
  self_harm: { filtered: false, severity: 'safe' },
  sexual: { filtered: false, severity: 'safe' },
  violence: { filtered: false, severity: 'safe' },
};

function toolCallId(prefix: string, ids: Ids, index: number): string {
  return index === 0 ? `${prefix}${ids.seq}` : `${prefix}${ids.seq}_${index}`;
}

export function openaiJson(p: MockResponsePlan, ids: Ids, fx: MockFixtures): unknown {
  const choices = p.texts.map((text, index) => {
    const message: Record<string, unknown> = {
      role: 'assistant',
      content: p.toolCall ? null : text,
      refusal: null,
      annotations: [],
    };
    if (p.toolCall) {
      message['tool_calls'] = [
        {
          id: toolCallId('call_mock', ids, index),
          type: 'function',
          function: { name: p.toolCall.name, arguments: p.toolCall.argumentsJson },
        },
      ];
    }
    const choice: Record<string, unknown> = {
      index,
      message,
      logprobs: null,
      finish_reason: p.toolCall ? 'tool_calls' : 'stop',
    };
    if (p.azure) choice['content_filter_results'] = AZURE_FILTER;
    return choice;
  });
  const out: Record<string, unknown> = {
    id: `chatcmpl-mock${ids.seq}`,
    object: 'chat.completion',
    created: ids.created,
    model: p.model,
    choices,
    usage: openaiUsage(p.usage),
    service_tier: 'default',
    system_fingerprint: fx.openai.systemFingerprint,
  };
  if (p.azure) {
    out['prompt_filter_results'] = [
      {
        prompt_index: 0,
        content_filter_results: { ...AZURE_FILTER, jailbreak: { filtered: false, detected: false } },
      },
    ];
  }
  return out;
}

export function openaiChunks(p: MockResponsePlan, ids: Ids, fx: MockFixtures): unknown[] {
  const out: unknown[] = [];
  const chunk = (choices: unknown[], usage?: unknown): Record<string, unknown> => {
    const c: Record<string, unknown> = {
      id: `chatcmpl-mock${ids.seq}`,
      object: 'chat.completion.chunk',
      created: ids.created,
      model: p.model,
      service_tier: 'default',
      system_fingerprint: fx.openai.systemFingerprint,
      choices,
    };
    if (p.includeUsage) c['usage'] = usage ?? null;
    return c;
  };
  const choice = (index: number, delta: unknown, finish: string | null = null): unknown => ({
    index,
    delta,
    logprobs: null,
    finish_reason: finish,
  });
  if (p.azure) {
    out.push({
      choices: [],
      created: 0,
      id: '',
      model: '',
      object: '',
      prompt_filter_results: [
        {
          prompt_index: 0,
          content_filter_results: { ...AZURE_FILTER, jailbreak: { filtered: false, detected: false } },
        },
      ],
    });
  }
  const tool = p.toolCall;
  for (let i = 0; i < p.n; i++) {
    if (tool) {
      out.push(
        chunk([
          choice(i, {
            role: 'assistant',
            content: null,
            tool_calls: [
              {
                index: 0,
                id: toolCallId('call_mock', ids, i),
                type: 'function',
                function: { name: tool.name, arguments: '' },
              },
            ],
            refusal: null,
          }),
        ]),
      );
    } else {
      out.push(chunk([choice(i, { role: 'assistant', content: '', refusal: null })]));
    }
  }
  const perChoice = tool ? p.texts.map(() => toolArgPieces(tool.argumentsJson)) : p.pieces;
  const rounds = Math.max(0, ...perChoice.map((x) => x.length));
  for (let k = 0; k < rounds; k++) {
    for (let i = 0; i < p.n; i++) {
      const piece = perChoice[i]?.[k];
      if (piece === undefined) continue;
      const delta = tool
        ? { tool_calls: [{ index: 0, function: { arguments: piece } }] }
        : { content: piece };
      out.push(chunk([choice(i, delta)]));
    }
  }
  for (let i = 0; i < p.n; i++) out.push(chunk([choice(i, {}, tool ? 'tool_calls' : 'stop')]));
  if (p.includeUsage) out.push(chunk([], openaiUsage(p.usage)));
  return out;
}
