/** Structured pino JSON logs. Secrets are redacted wherever they could appear. */
import pino from 'pino';

export type Logger = pino.Logger;

export const REDACT_PATHS = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["api-key"]',
  'auth_token',
  '*.auth_token',
  'apiKey',
  '*.apiKey',
  'authToken',
  '*.authToken',
  '*.*.authToken',
  'inline',
  '*.inline',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  const opts: pino.LoggerOptions = {
    level,
    base: { service: 'ai-extproc' },
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return destination ? pino(opts, destination) : pino(opts);
}
