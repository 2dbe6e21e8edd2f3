/**
 * ai-extproc needs Node 22: on Node 20 an abstract unix socket is bound under a NUL-padded name
 * that Envoy cannot reach, and HTTP/2's reset limit cannot be lifted. Checked before anything else
 * loads, so the process refuses to start instead of answering every request with a 500.
 */
export const MIN_NODE_MAJOR = 22;

/** A one-line reason to refuse to start, or undefined when this Node will do. */
export function nodeVersionProblem(version: string = process.versions.node): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (Number.isInteger(major) && major >= MIN_NODE_MAJOR) return undefined;
  return (
    `ai-extproc needs Node ${MIN_NODE_MAJOR} or newer (this is Node ${version}); ` +
    'use the pinned one: node_modules/.bin/node dist/src/main.js (installed by `make install`)'
  );
}
