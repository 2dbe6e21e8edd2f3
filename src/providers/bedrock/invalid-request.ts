/** The 400 every request-translation failure throws. */
import { TranslationError } from '../translate/types.js';

export function invalid(message: string): TranslationError {
  return new TranslationError(400, message, 'invalid_request_error');
}
