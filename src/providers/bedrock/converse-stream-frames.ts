/** Builds ConverseStream frames as Bedrock sends them (for the mock provider and tests). */
import { encodeEventStreamMessage } from './event-stream-encoder.js';

/** One `:message-type event` frame with a JSON payload, e.g. `encodeConverseEvent('messageStop', {stopReason})`. */
export function encodeConverseEvent(eventType: string, payload: unknown): Buffer {
  return encodeEventStreamMessage(
    { ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' },
    JSON.stringify(payload),
  );
}

/** One `:message-type exception` frame, e.g. `encodeConverseException('throttlingException', 'Too many requests')`. */
export function encodeConverseException(exceptionType: string, message: string): Buffer {
  return encodeEventStreamMessage(
    { ':exception-type': exceptionType, ':content-type': 'application/json', ':message-type': 'exception' },
    JSON.stringify({ message }),
  );
}
