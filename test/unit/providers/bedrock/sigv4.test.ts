import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';

import {
  bedrockProvider,
  signAwsRequest,
  signBedrockRequest,
} from '../../../../src/providers/bedrock/index.js';

// Credentials and date of the AWS Signature Version 4 test suite (aws-sig-v4-test-suite, "get-vanilla" and
// "post-vanilla"); the expected signatures below are the ones that suite publishes.
const SUITE_CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};
const SUITE_DATE = new Date('2015-08-30T12:36:00Z');

/** SigV4 written from the AWS documentation with node:crypto only, to check the library-backed signer. */
function independentAuthorization(input: {
  method: string;
  host: string;
  path: string;
  headers: Record<string, string>;
  body: string | Buffer;
  region: string;
  service: string;
  accessKeyId: string;
  secretAccessKey: string;
  amzDate: string;
}): string {
  const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const rfc3986 = (s: string) =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  // Non-S3 services: every (already percent-encoded) path segment is encoded once more.
  const canonicalUri = input.path.split('/').map(rfc3986).join('/');
  const headers = Object.entries({ ...input.headers, host: input.host, 'x-amz-date': input.amzDate })
    .map(([k, v]) => [k.toLowerCase(), v.trim().replace(/\s+/g, ' ')] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const signedHeaders = headers.map(([k]) => k).join(';');
  const canonicalRequest = [
    input.method,
    canonicalUri,
    '',
    headers.map(([k, v]) => `${k}:${v}\n`).join(''),
    signedHeaders,
    sha256(input.body),
  ].join('\n');
  const day = input.amzDate.slice(0, 8);
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', input.amzDate, scope, sha256(canonicalRequest)].join('\n');
  const kSigning = hmac(
    hmac(hmac(hmac(`AWS4${input.secretAccessKey}`, day), input.region), input.service),
    'aws4_request',
  );
  const signature = createHmac('sha256', kSigning).update(stringToSign).digest('hex');
  return `AWS4-HMAC-SHA256 Credential=${input.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
}

describe('SigV4', () => {
  it('reproduces the AWS test suite vectors get-vanilla and post-vanilla', () => {
    const base = {
      host: 'example.amazonaws.com',
      path: '/',
      body: '',
      region: 'us-east-1',
      service: 'service',
      credentials: SUITE_CREDENTIALS,
      date: SUITE_DATE,
    };
    assert.deepEqual(signAwsRequest({ ...base, method: 'GET' }), {
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, ' +
        'Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
      'x-amz-date': '20150830T123600Z',
    });
    assert.match(
      signAwsRequest({ ...base, method: 'POST' }).authorization ?? '',
      /Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b$/,
    );
  });

  it('signs a Bedrock request over the final body, as an independent implementation does', () => {
    const model = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
    const translated = bedrockProvider.request(
      { messages: [{ role: 'user', content: 'Hello' }], max_tokens: 10 },
      { provider: 'bedrock', model, stream: true },
    );
    const host = 'bedrock-runtime.eu-west-1.amazonaws.com';
    const headers = Object.fromEntries(translated.headers);
    const credentials = { ...SUITE_CREDENTIALS, sessionToken: 'FwoGZXIvYXdzEXAMPLETOKEN' };
    const date = new Date('2025-03-04T05:06:07.890Z');
    const added = signBedrockRequest({
      method: 'POST',
      host,
      path: translated.path,
      headers,
      body: translated.body,
      region: 'eu-west-1',
      credentials,
      date,
    });
    const contentSha = createHash('sha256').update(translated.body).digest('hex');
    assert.deepEqual(Object.keys(added).sort(), [
      'authorization',
      'x-amz-content-sha256',
      'x-amz-date',
      'x-amz-security-token',
    ]);
    assert.equal(added['x-amz-date'], '20250304T050607Z');
    assert.equal(added['x-amz-content-sha256'], contentSha);
    assert.equal(added['x-amz-security-token'], credentials.sessionToken);
    assert.equal(
      added.authorization,
      independentAuthorization({
        method: 'POST',
        host,
        path: translated.path,
        headers: {
          ...headers,
          'x-amz-content-sha256': contentSha,
          'x-amz-security-token': credentials.sessionToken,
        },
        body: translated.body,
        region: 'eu-west-1',
        service: 'bedrock',
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        amzDate: '20250304T050607Z',
      }),
    );
    assert.match(
      added.authorization ?? '',
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/20250304\/eu-west-1\/bedrock\/aws4_request, SignedHeaders=accept;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$/,
    );
  });

  it('has no security token header without a session token, lower-cases header names, and depends on the body', () => {
    const input = {
      method: 'POST' as const,
      host: 'bedrock-runtime.us-east-1.amazonaws.com',
      path: '/model/m/converse',
      headers: { 'Content-Type': 'application/json' },
      body: '{"messages":[]}',
      region: 'us-east-1',
      credentials: SUITE_CREDENTIALS,
      date: SUITE_DATE,
    };
    const a = signBedrockRequest(input);
    assert.equal(a['x-amz-security-token'], undefined);
    assert.match(a.authorization ?? '', /SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date,/);
    assert.deepEqual(signBedrockRequest(input), a);
    assert.deepEqual(signBedrockRequest({ ...input, body: Buffer.from(input.body) }), a);
    assert.notEqual(
      signBedrockRequest({ ...input, body: '{"messages":[1]}' }).authorization,
      a.authorization,
    );
    const withLength = {
      ...input,
      headers: { ...input.headers, 'Content-Length': '15', authorization: 'old' },
    };
    assert.deepEqual(signBedrockRequest(withLength), a, 'content-length and authorization are never signed');
  });

  it('defaults the date to now', () => {
    const added = signBedrockRequest({
      method: 'POST',
      host: 'bedrock-runtime.us-east-1.amazonaws.com',
      path: '/model/m/converse',
      body: '{}',
      region: 'us-east-1',
      credentials: SUITE_CREDENTIALS,
    });
    const stamp = added['x-amz-date'] ?? '';
    assert.match(stamp, /^\d{8}T\d{6}Z$/);
    const iso = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13)}`;
    assert.ok(Math.abs(Date.parse(iso) - Date.now()) < 60_000, iso);
  });
});
