/** `data:` URLs of images and files. */

export interface DataUrl {
  readonly mediaType: string;
  /** The base64 payload, as written in the URL. */
  readonly data: string;
}

const DATA_URL = /^data:([^;,]*)((?:;[^;,]*)*),(.*)$/s;

/**
 * Parses a base64 `data:` URL. Returns undefined when `url` is not a data URL at all, and null when it is
 * one but not base64-encoded or without a media type (neither can become an Anthropic base64 source).
 */
export function parseDataUrl(url: string): DataUrl | null | undefined {
  if (!url.startsWith('data:')) return undefined;
  const m = DATA_URL.exec(url);
  if (m === null) return null;
  const mediaType = (m[1] ?? '').trim().toLowerCase();
  const params = (m[2] ?? '').split(';').map((p) => p.trim().toLowerCase());
  if (mediaType === '' || !params.includes('base64')) return null;
  return { mediaType, data: m[3] ?? '' };
}

/** Builds a base64 `data:` URL. */
export function toDataUrl(mediaType: string, data: string): string {
  return `data:${mediaType};base64,${data}`;
}
