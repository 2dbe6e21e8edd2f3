/** Small helpers shared by the mock provider's modules (JSON parsing, header parsing, buffers). */

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function toBuffer(body: Buffer | string | object): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.from(JSON.stringify(body), 'utf8');
}

export function tryParseJson(buf: Buffer): { ok: true; value: unknown } | { ok: false; value: undefined } {
  if (buf.length === 0) return { ok: false, value: undefined };
  try {
    return { ok: true, value: JSON.parse(buf.toString('utf8')) as unknown };
  } catch {
    return { ok: false, value: undefined };
  }
}

export function lowerKeys(h: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

export function intHeader(headers: Record<string, string>, name: string): number | undefined {
  const v = headers[name];
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v.trim());
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : undefined;
}
