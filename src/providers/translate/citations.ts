/**
 * Web citations across APIs. The canonical form is OpenAI chat's: `message.annotations` (and
 * `delta.annotations` in a stream) of `{type: 'url_citation', url_citation: {start_index, end_index,
 * url, title}}`, the indices into the message's `content`.
 * - Responses: an `output_text` part's `url_citation` annotations (indices into that part's text).
 * - Anthropic: a text block's `web_search_result_location` citations (a citation covers its block).
 * An Anthropic client gets the text without them: Anthropic's web citation carries an
 * `encrypted_index` only Anthropic can make.
 */
import { asArray, asCount, asObj, asString } from '../../json.js';
import type { JsonObject } from '../../json.js';

export interface UrlCitation {
  readonly url: string;
  readonly title: string;
  readonly start: number;
  readonly end: number;
}

/** The canonical annotation for a citation. */
export const urlAnnotation = (c: UrlCitation): JsonObject => ({
  type: 'url_citation',
  url_citation: { start_index: c.start, end_index: c.end, url: c.url, title: c.title },
});

/** The url citations of canonical annotations (a message's or a delta's), shifted by `offset`. */
export function urlCitationsOf(annotations: unknown, offset = 0): UrlCitation[] {
  const out: UrlCitation[] = [];
  for (const a of asArray(annotations)) {
    const o = asObj(a);
    const c = asObj(o?.url_citation) ?? (o?.type === 'url_citation' ? o : undefined);
    const url = asString(c?.url);
    if (c === undefined || url === undefined) continue;
    out.push({
      url,
      title: asString(c.title) ?? '',
      start: (asCount(c.start_index) ?? 0) + offset,
      end: (asCount(c.end_index) ?? 0) + offset,
    });
  }
  return out;
}

/** A Responses `url_citation` annotation. */
export const responsesAnnotation = (c: UrlCitation): JsonObject => ({
  type: 'url_citation',
  start_index: c.start,
  end_index: c.end,
  url: c.url,
  title: c.title,
});

/** The web citations of an Anthropic text block spanning [start, end) of the joined text. */
export function anthropicBlockCitations(citations: unknown, start: number, end: number): UrlCitation[] {
  const out: UrlCitation[] = [];
  for (const c of asArray(citations)) {
    const o = asObj(c);
    const url = asString(o?.url);
    if (o?.type !== 'web_search_result_location' || url === undefined) continue;
    out.push({ url, title: asString(o.title) ?? '', start, end });
  }
  return out;
}
