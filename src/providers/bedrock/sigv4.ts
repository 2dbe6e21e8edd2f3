/**
 * AWS Signature Version 4 for Bedrock runtime requests, computed over the final body. The signature math
 * is the `aws4` library's; this module only decides what gets signed.
 *
 * Signed headers: `host`, the caller's `headers` (lower-cased; e.g. content-type and accept from the
 * translated request), `x-amz-date`, `x-amz-content-sha256` and, with a session token,
 * `x-amz-security-token`. `content-length` is deliberately not signed (dropped if passed), so a proxy
 * re-framing the body cannot break the signature. The caller must send the request to `host` (as
 * `:authority`) with exactly the signed headers' values, the returned headers added, and the body bytes
 * that were signed.
 */
import { createHash } from 'node:crypto';
import aws4 from 'aws4';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface AwsSignInput {
  readonly method: string;
  /** Host (and `:port` if not default) the request goes to, e.g. `bedrock-runtime.us-east-1.amazonaws.com`. */
  readonly host: string;
  /** Path and query as sent on the wire (already percent-encoded). */
  readonly path: string;
  /** Headers that will be sent and must be covered by the signature. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body: Uint8Array | string;
  readonly region: string;
  readonly service: string;
  readonly credentials: AwsCredentials;
  /** Signing time (default now). */
  readonly date?: Date;
}

export type BedrockSignInput = Omit<AwsSignInput, 'service' | 'method'> & { readonly method: 'POST' };

/** The headers to add: `authorization`, `x-amz-date`, maybe `x-amz-security-token` (and whatever was added). */
export type SignedHeaders = Record<string, string>;

/** Signs a request to Bedrock runtime (service `bedrock`), including `x-amz-content-sha256` of the body. */
export function signBedrockRequest(input: BedrockSignInput): SignedHeaders {
  const contentSha = createHash('sha256').update(input.body).digest('hex');
  const added = signAwsRequest({
    ...input,
    service: 'bedrock',
    headers: { ...input.headers, 'x-amz-content-sha256': contentSha },
  });
  return { ...added, 'x-amz-content-sha256': contentSha };
}

/**
 * Generic SigV4 header signing. Returns only the headers to add to `headers`: `authorization`, `x-amz-date`
 * and, with a session token, `x-amz-security-token`.
 */
export function signAwsRequest(input: AwsSignInput): SignedHeaders {
  const amzDate = (input.date ?? new Date()).toISOString().replace(/[:-]|\.\d{3}/g, '');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) headers[name.toLowerCase()] = value;
  delete headers.authorization;
  delete headers['content-length'];
  headers.host = input.host;
  headers['x-amz-date'] = amzDate;
  const token = input.credentials.sessionToken;
  if (token !== undefined) headers['x-amz-security-token'] = token;
  const signer = new aws4.RequestSigner(
    {
      method: input.method,
      host: input.host,
      path: input.path,
      headers,
      body:
        typeof input.body === 'string'
          ? input.body
          : Buffer.from(input.body.buffer, input.body.byteOffset, input.body.length),
      service: input.service,
      region: input.region,
      doNotModifyHeaders: true,
    },
    {
      accessKeyId: input.credentials.accessKeyId,
      secretAccessKey: input.credentials.secretAccessKey,
    },
  );
  signer.datetime = amzDate;
  const signed = signer.sign();
  const authorization = signed.headers?.Authorization;
  if (typeof authorization !== 'string') throw new Error('aws4 produced no Authorization header');
  const out: SignedHeaders = { authorization, 'x-amz-date': amzDate };
  if (token !== undefined) out['x-amz-security-token'] = token;
  return out;
}
