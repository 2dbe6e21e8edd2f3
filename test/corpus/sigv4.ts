/**
 * SigV4 signatures follow the clock, so the corpus masks them; instead it records whether the
 * signature the gateway put on the upstream request verifies over exactly the path, headers and body
 * the gateway sent (re-signed here with the same credentials at the recorded x-amz-date).
 */
import { signBedrockRequest } from '../../src/providers/bedrock/index.js';
import type { Reply } from '../helpers/extproc-client.js';
import type { SigV4Check } from './types.js';

const NOT_SIGNED = new Set([
  ':path',
  ':authority',
  'x-ai-extproc-backend',
  'authorization',
  'x-amz-date',
  'x-amz-content-sha256',
  'x-amz-security-token',
]);

export function checkSigV4(replies: readonly Reply[], check: SigV4Check): string {
  for (const r of replies) {
    const common = r.request_body?.response ?? r.request_headers?.response;
    const set = common?.header_mutation?.set_headers ?? [];
    const headers = new Map<string, string>();
    for (const h of set) if (h.header) headers.set(h.header.key, h.header.raw_value.toString());
    const amzDate = headers.get('x-amz-date');
    if (!amzDate) continue;
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
    if (!m) return `unparsable x-amz-date ${amzDate}`;
    const date = new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
    const body = common?.body_mutation?.body ?? Buffer.alloc(0);
    const signed = signBedrockRequest({
      method: 'POST',
      host: headers.get(':authority') ?? '',
      path: headers.get(':path') ?? '',
      headers: Object.fromEntries([...headers].filter(([k]) => !NOT_SIGNED.has(k))),
      body,
      region: check.region,
      credentials: { accessKeyId: check.accessKeyId, secretAccessKey: check.secretAccessKey },
      date,
    });
    if (signed.authorization !== headers.get('authorization')) return 'signature does not verify';
    if (signed['x-amz-content-sha256'] !== headers.get('x-amz-content-sha256'))
      return 'x-amz-content-sha256 does not match the body';
    return 'verifies over the path, headers and body sent';
  }
  return 'no signed request found';
}
