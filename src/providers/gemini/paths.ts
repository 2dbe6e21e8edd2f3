/** Upstream :path for Gemini (AI Studio) and Vertex AI generateContent. Auth is never part of it. */
import type { UpstreamTarget } from '../translate/types.js';
import { TranslationError } from '../translate/types.js';

export const DEFAULT_GEMINI_API_VERSION = 'v1beta';
export const DEFAULT_VERTEX_API_VERSION = 'v1';

function method(target: UpstreamTarget): string {
  return target.stream ? ':streamGenerateContent?alt=sse' : ':generateContent';
}

/** A model id as a path segment (a `models/` prefix, as Google SDKs write it, is removed). */
export function modelSegment(model: string): string {
  const id = model.startsWith('models/') ? model.slice('models/'.length) : model;
  if (id === '') throw new TranslationError(500, 'backend misconfigured: empty model', 'api_error');
  return encodeURIComponent(id);
}

/** `/{v1beta}/models/{model}:generateContent` or `:streamGenerateContent?alt=sse`. */
export function geminiPath(target: UpstreamTarget): string {
  const version = target.apiVersion ?? DEFAULT_GEMINI_API_VERSION;
  return `/${version}/models/${modelSegment(target.model)}${method(target)}`;
}

/** `/{v1}/projects/{p}/locations/{l}/publishers/google/models/{model}:generateContent` (or streaming). */
export function vertexPath(target: UpstreamTarget): string {
  const { vertexProject: project, vertexLocation: location } = target;
  if (project === undefined || project === '' || location === undefined || location === '') {
    throw new TranslationError(
      500,
      'backend misconfigured: Vertex AI needs a project and a location',
      'api_error',
    );
  }
  const version = target.apiVersion ?? DEFAULT_VERTEX_API_VERSION;
  return (
    `/${version}/projects/${encodeURIComponent(project)}/locations/${encodeURIComponent(location)}` +
    `/publishers/google/models/${modelSegment(target.model)}${method(target)}`
  );
}
