/** The logging surface the pipeline needs; pino's Logger satisfies it, tests can pass a stub. */
export interface LogSink {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  /** pino's: lets a caller skip building a line nobody will see (a sink without it logs everything). */
  isLevelEnabled?(level: string): boolean;
}

/**
 * An error as a log field, without quoting its input. V8's JSON.parse messages quote the text they
 * failed on (`Unexpected token 'k', "{key: sk-abc…" is not valid JSON`): a request body, an API key in
 * it. A SyntaxError is therefore reduced to its kind and position; any other message is cut short.
 * Body content is never logged at info or warn.
 */
export function errorSummary(err: unknown): string {
  if (err instanceof SyntaxError) {
    // V8 quotes input in double quotes ("…sk-proj-FA"…) and the unexpected character in single ones;
    // grammar tokens in single quotes (Expected ',' or '}') are kept.
    const m = err.message;
    const quoted = m.indexOf('"');
    const kind =
      (quoted >= 0 ? m.slice(0, quoted) : m)
        .replace(/\s*(?:in JSON\s*)?at position.*$/s, '')
        .replace(/^Unexpected token '.*?'/s, 'Unexpected token')
        .replace(/[\s,:.]+$/, '') || 'invalid syntax';
    const at = /\bposition (\d+)/.exec(m)?.[1];
    return `SyntaxError: ${kind}${at !== undefined ? ` at position ${at}` : ''}`;
  }
  if (err instanceof Error) return err.message.length > 200 ? `${err.message.slice(0, 200)}…` : err.message;
  return `non-Error thrown (${typeof err})`;
}
