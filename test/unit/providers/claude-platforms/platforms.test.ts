import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import {
  claudePlatform,
  claudePlatformError,
  claudePlatformPath,
  toClaudePlatformBody,
  vertexClaudeProvider,
} from '../../../../src/providers/claude-platforms/index.js';
import { nativeApiFor, nativeUpstream } from '../../../../src/providers/translate/native.js';
import { providerAdapterFor } from '../../../../src/providers/translate/registry.js';
import type { UpstreamTarget } from '../../../../src/providers/translate/types.js';
import { TranslationError } from '../../../../src/providers/translate/types.js';
import { claudePlatformProblems, claudePlatformRoute } from '../../../../mock-provider/claude-platforms.js';

const vertex = (model: string, stream = false): UpstreamTarget => ({
  provider: 'vertex-ai',
  model,
  stream,
  vertexProject: 'my-proj',
  vertexLocation: 'us-east5',
});
const bedrock = (model: string, stream = false): UpstreamTarget => ({
  provider: 'bedrock',
  model,
  stream,
  bedrockRegion: 'us-east-1',
});

describe('Claude on Vertex AI and Bedrock: which targets, which paths', () => {
  it('Anthropic models on Vertex and Bedrock speak the Messages API natively; the rest do not', () => {
    assert.equal(claudePlatform(vertex('claude-sonnet-4-5@20250929')), 'vertex');
    assert.equal(claudePlatform(vertex('publishers/anthropic/models/claude-opus-4-1')), 'vertex');
    assert.equal(claudePlatform(vertex('gemini-2.5-flash')), undefined);
    assert.equal(claudePlatform(bedrock('anthropic.claude-3-5-haiku-20241022-v1:0')), 'bedrock');
    assert.equal(claudePlatform(bedrock('us.anthropic.claude-sonnet-4-5-20250929-v1:0')), 'bedrock');
    assert.equal(
      claudePlatform(
        bedrock(
          'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-5-v1:0',
        ),
      ),
      'bedrock',
    );
    assert.equal(claudePlatform(bedrock('amazon.nova-pro-v1:0')), undefined);
    assert.equal(claudePlatform({ provider: 'anthropic', model: 'claude-sonnet-4-5' }), undefined);
    assert.equal(nativeApiFor(vertex('claude-sonnet-4-5')), 'anthropic');
    assert.equal(nativeApiFor(vertex('gemini-2.5-flash')), 'gemini');
    assert.equal(nativeApiFor(bedrock('meta.llama3-70b-instruct-v1:0')), undefined);
    assert.equal(nativeApiFor({ provider: 'openai', model: 'gpt-4o' }), 'openai');
    assert.equal(providerAdapterFor(vertex('claude-sonnet-4-5')), vertexClaudeProvider);
    assert.equal(providerAdapterFor(vertex('gemini-2.5-flash')).provider, 'vertex-ai');
    assert.notEqual(providerAdapterFor(vertex('gemini-2.5-flash')), vertexClaudeProvider);
  });

  it('paths as the platforms document them, and the mock reads them back', () => {
    const cases: [UpstreamTarget, string][] = [
      [
        vertex('claude-sonnet-4-5@20250929'),
        '/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict',
      ],
      [
        vertex('claude-sonnet-4-5@20250929', true),
        '/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict',
      ],
      [
        bedrock('us.anthropic.claude-sonnet-4-5-20250929-v1:0'),
        '/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/invoke',
      ],
      [
        bedrock('anthropic.claude-3-5-haiku-20241022-v1:0', true),
        '/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke-with-response-stream',
      ],
    ];
    for (const [target, want] of cases) {
      const platform = claudePlatform(target)!;
      assert.equal(claudePlatformPath(platform, target), want);
      assert.equal(nativeUpstream(target).path, want);
      assert.deepEqual(claudePlatformRoute(want), {
        platform,
        model: target.model.replace(/^publishers\/anthropic\/models\//, ''),
        stream: target.stream,
      });
    }
    assert.deepEqual(nativeUpstream(bedrock('anthropic.claude-3-5-haiku', true)).headers, [
      ['content-type', 'application/json'],
      ['accept', 'application/vnd.amazon.eventstream'],
    ]);
    assert.throws(
      () => claudePlatformPath('vertex', { provider: 'vertex-ai', model: 'claude-x', stream: false }),
      TranslationError,
    );
  });

  it("the body: the client's Messages request, no model, the platform's anthropic_version (Bedrock: no stream)", () => {
    const client = () => ({
      model: 'claude',
      max_tokens: 4096,
      stream: true,
      thinking: { type: 'enabled', budget_tokens: 2048 },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi', cache_control: { type: 'ephemeral' } }] },
      ],
      metadata: { user_id: 'u-1' },
    });
    const v = client() as Record<string, unknown>;
    toClaudePlatformBody('vertex', v, true);
    const { model: _m, ...rest } = client();
    assert.deepEqual(v, { ...rest, anthropic_version: 'vertex-2023-10-16' });
    assert.deepEqual(claudePlatformProblems({ platform: 'vertex', model: 'claude-x', stream: true }, v), []);
    const b = client() as Record<string, unknown>;
    toClaudePlatformBody('bedrock', b, true);
    const { stream: _s, ...noStream } = rest;
    assert.deepEqual(b, { ...noStream, anthropic_version: 'bedrock-2023-05-31' });
    assert.deepEqual(
      claudePlatformProblems({ platform: 'bedrock', model: 'anthropic.claude-x', stream: true }, b),
      [],
    );
    // Bedrock: the anthropic-beta header's values go in the body; Vertex takes the header as it is.
    const withBeta = client() as Record<string, unknown>;
    toClaudePlatformBody('bedrock', withBeta, true, 'interleaved-thinking-2025-05-14, context-1m-2025-08-07');
    assert.deepEqual(withBeta.anthropic_beta, ['interleaved-thinking-2025-05-14', 'context-1m-2025-08-07']);
    assert.deepEqual(
      claudePlatformProblems({ platform: 'bedrock', model: 'anthropic.claude-x', stream: true }, withBeta),
      [],
    );
    const vertexBeta = client() as Record<string, unknown>;
    toClaudePlatformBody('vertex', vertexBeta, true, 'interleaved-thinking-2025-05-14');
    assert.equal(vertexBeta.anthropic_beta, undefined);
    // The mock refuses what the platforms refuse: a model in the body, the wrong version.
    assert.notDeepEqual(
      claudePlatformProblems({ platform: 'vertex', model: 'c', stream: false }, client()),
      [],
    );
  });

  it("errors reach an Anthropic client in Anthropic's format, the platform's own ones translated", () => {
    const claudeErr = Buffer.from(
      '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
    );
    assert.equal(claudePlatformError('vertex', 529, claudeErr), claudeErr);
    const google = Buffer.from(
      JSON.stringify({
        error: { code: 429, message: 'Quota exceeded for aiplatform', status: 'RESOURCE_EXHAUSTED' },
      }),
    );
    assert.deepEqual(JSON.parse(claudePlatformError('vertex', 429, google).toString()), {
      type: 'error',
      error: { type: 'rate_limit_error', message: 'Quota exceeded for aiplatform' },
    });
    const aws = Buffer.from('{"message":"The security token included in the request is invalid."}');
    assert.deepEqual(
      JSON.parse(
        claudePlatformError('bedrock', 403, aws, 'UnrecognizedClientException:http://x/').toString(),
      ),
      {
        type: 'error',
        error: {
          type: 'permission_error', // Anthropic's type for the status (403), as for every translated error
          message: 'The security token included in the request is invalid.',
        },
      },
    );
    const validation = Buffer.from('{"message":"messages: field required"}');
    assert.deepEqual(
      JSON.parse(claudePlatformError('bedrock', 400, validation, 'ValidationException').toString()),
      { type: 'error', error: { type: 'invalid_request_error', message: 'messages: field required' } },
    );
    // A 400 that Bedrock names a quota problem is a rate limit for the client.
    const quota = Buffer.from('{"message":"Too many tokens per day"}');
    assert.equal(
      (
        JSON.parse(
          claudePlatformError('bedrock', 400, quota, 'ServiceQuotaExceededException').toString(),
        ) as {
          error: { type: string };
        }
      ).error.type,
      'rate_limit_error',
    );
  });

  it('an OpenAI request to Claude on Vertex: the Anthropic translation in the platform shape', () => {
    const out = vertexClaudeProvider.request(
      {
        model: 'vc',
        max_tokens: 50,
        messages: [
          { role: 'system', content: 'terse' },
          { role: 'user', content: 'hi' },
        ],
      },
      vertex('claude-sonnet-4-5@20250929', true),
    );
    assert.equal(
      out.path,
      '/v1/projects/my-proj/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict',
    );
    assert.deepEqual(out.headers, [['content-type', 'application/json']]);
    const body = JSON.parse(out.body.toString()) as Record<string, unknown>;
    assert.equal(body.model, undefined);
    assert.equal(body.anthropic_version, 'vertex-2023-10-16');
    assert.equal(body.stream, true);
    assert.equal(body.system, 'terse');
    assert.deepEqual(
      claudePlatformProblems({ platform: 'vertex', model: 'claude-x', stream: true }, body),
      [],
    );
    assert.equal(
      vertexClaudeProvider.error(
        404,
        Buffer.from('{"error":{"code":404,"message":"Publisher model not found","status":"NOT_FOUND"}}'),
      ).type,
      'not_found_error',
    );
  });
});
