/** OpenAI content URLs (images, files, audio) → Gemini `inlineData` / `fileData` parts. */
import type { Json } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';

const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
  txt: 'text/plain',
  mp3: 'audio/mp3',
  wav: 'audio/wav',
  flac: 'audio/flac',
  ogg: 'audio/ogg',
  mp4: 'video/mp4',
  mov: 'video/mov',
  webm: 'video/webm',
};

export const DEFAULT_IMAGE_MIME = 'image/jpeg';

/** The image types Gemini and Vertex AI accept (their API references); image/jpg is a common misspelling. */
const IMAGE_MIME = new Set(['image/png', 'image/jpeg', 'image/webp', 'image/heic', 'image/heif']);

/**
 * A MIME type as Gemini wants it: lower case, image/jpg → image/jpeg (Gemini and Vertex reject image/jpg).
 * An image type Gemini does not take is a 400 here rather than an opaque one from the provider.
 */
export function geminiMimeType(mime: string): string {
  const m = mime.trim().toLowerCase();
  const fixed = m === 'image/jpg' || m === 'image/pjpeg' ? 'image/jpeg' : m;
  if (fixed.startsWith('image/') && !IMAGE_MIME.has(fixed)) {
    throw new TranslationError(
      400,
      `Image type '${m}' is not supported by Gemini (png, jpeg, webp, heic or heif)`,
    );
  }
  return fixed;
}

/** The MIME type for a URL from its path's extension (query and fragment ignored), or the fallback. */
export function guessMimeType(url: string, fallback: string = DEFAULT_IMAGE_MIME): string {
  let path = url;
  try {
    path = new URL(url).pathname;
  } catch {
    // Not a parsable URL (e.g. an odd gs:// name): use it as is.
  }
  const dot = path.lastIndexOf('.');
  if (dot === -1 || dot < path.lastIndexOf('/')) return fallback;
  return MIME_BY_EXTENSION[path.slice(dot + 1).toLowerCase()] ?? fallback;
}

/**
 * `data:[<mime>][;base64],<data>` → inlineData (non-base64 payloads are percent-decoded and encoded). A
 * missing MIME type is `text/plain`, as RFC 2397 says.
 */
function dataUrlPart(url: string): Json {
  const comma = url.indexOf(',');
  if (comma === -1) throw new TranslationError(400, 'Invalid data URL: missing ","');
  const meta = url.slice(5, comma).split(';');
  const mimeType = meta[0] !== undefined && meta[0] !== '' ? geminiMimeType(meta[0]) : 'text/plain';
  const payload = url.slice(comma + 1);
  let data: string;
  if (meta.includes('base64')) {
    data = payload;
  } else {
    try {
      data = Buffer.from(decodeURIComponent(payload), 'utf8').toString('base64');
    } catch {
      throw new TranslationError(400, 'Invalid data URL: bad percent-encoding');
    }
  }
  return { inlineData: { mimeType, data } };
}

/**
 * A Gemini part for a URL: `data:` → inlineData; http(s) and gs URLs → fileData with the MIME type guessed
 * from the extension (or `fallbackMime`, image/jpeg by default). Other schemes are a 400.
 */
export function urlPart(url: string, fallbackMime: string = DEFAULT_IMAGE_MIME): Json {
  if (url.startsWith('data:')) return dataUrlPart(url);
  if (/^(https?|gs):\/\//i.test(url)) {
    return { fileData: { mimeType: geminiMimeType(guessMimeType(url, fallbackMime)), fileUri: url } };
  }
  throw new TranslationError(400, 'Unsupported URL scheme: only data:, http(s): and gs: URLs are accepted');
}

const AUDIO_MIME: Readonly<Record<string, string>> = { wav: 'audio/wav', mp3: 'audio/mp3' };

/** OpenAI `input_audio {data, format}` → inlineData. */
export function audioPart(data: string, format: string): Json {
  return { inlineData: { mimeType: AUDIO_MIME[format] ?? `audio/${format}`, data } };
}
