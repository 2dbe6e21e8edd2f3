/**
 * The session id a 2025 (session) client holds for the MCP gateway: what the gateway needs to serve
 * the session again (its protocol version, the client it belongs to, what the client can do, the
 * upstream servers' own session ids) sealed with AES-256-GCM. The client can neither read it (the
 * upstream session ids never leave our process in clear) nor forge or alter it (the tag fails).
 * Any process holding the same key serves the session, after a restart too; a new key makes every
 * id unreadable, and a client then gets 404 and starts a new session (the spec's answer).
 */
import crypto from 'node:crypto';
import { isObj } from '../json.js';

/** Ids longer than this are refused unread (bounds the work an unknown header costs). */
export const MAX_TOKEN_CHARS = 8192;
/** An upstream session id longer than this is not carried (that session is opened afresh). */
export const MAX_UPSTREAM_ID_CHARS = 256;

const VERSION = 'v1';
const AAD = Buffer.from('ai-extproc mcp-gateway session v1');
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface UpstreamSessionRef {
  /** The upstream server's Mcp-Session-Id. */
  readonly id: string;
  /** The protocol version negotiated with it. */
  readonly pv: string;
}

export interface SessionClaims {
  /** Random per session: the registry's key, and what DELETE revokes. */
  readonly sid: string;
  /** The protocol version negotiated with the client. */
  readonly pv: string;
  /** The client it was opened for (undefined: anonymous); another caller gets 404. */
  readonly client: string | undefined;
  /** Client capabilities relayed to the servers. */
  readonly sampling: boolean;
  readonly elicitation: boolean;
  /** Expiry, seconds since the epoch. */
  readonly exp: number;
  /** Upstream server name → its session. */
  readonly up: Readonly<Record<string, UpstreamSessionRef>>;
}

export class SessionSealer {
  private readonly key: Buffer;
  /** True when no key was configured: ids die with the process. */
  readonly ephemeral: boolean;

  /** `secret` (32+ characters, from env or file): HKDF-SHA256 gives the AES key. */
  constructor(secret: string | undefined) {
    this.ephemeral = secret === undefined;
    this.key =
      secret === undefined
        ? crypto.randomBytes(32)
        : Buffer.from(crypto.hkdfSync('sha256', secret, 'ai-extproc', 'mcp-gateway session key', 32));
  }

  seal(c: SessionClaims): string {
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(AAD);
    const plain = Buffer.from(JSON.stringify(c));
    const body = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${body.toString('base64url')}`;
  }

  /** The claims of a genuine, unexpired id; undefined for anything else (forged, altered, other key). */
  open(token: string, now = Date.now()): SessionClaims | undefined {
    if (token.length > MAX_TOKEN_CHARS || !token.startsWith(`${VERSION}.`)) return undefined;
    const body = Buffer.from(token.slice(VERSION.length + 1), 'base64url');
    if (body.length < IV_BYTES + TAG_BYTES + 2) return undefined;
    let plain: Buffer;
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, body.subarray(0, IV_BYTES));
      decipher.setAAD(AAD);
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      plain = Buffer.concat([
        decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      return undefined;
    }
    const c = parseClaims(plain.toString('utf8'));
    return c && c.exp * 1000 > now ? c : undefined;
  }
}

function parseClaims(text: string): SessionClaims | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isObj(v) || typeof v.sid !== 'string' || typeof v.pv !== 'string' || typeof v.exp !== 'number')
    return undefined;
  const up: Record<string, UpstreamSessionRef> = {};
  if (isObj(v.up))
    for (const [k, r] of Object.entries(v.up))
      if (isObj(r) && typeof r.id === 'string' && typeof r.pv === 'string') up[k] = { id: r.id, pv: r.pv };
  return {
    sid: v.sid,
    pv: v.pv,
    client: typeof v.client === 'string' ? v.client : undefined,
    sampling: v.sampling === true,
    elicitation: v.elicitation === true,
    exp: v.exp,
    up,
  };
}
