/** A translator's TranslationError (a 400 for invalid input, a 500 for a misconfigured backend) as a refusal. */
import { TranslationError } from '../../providers/translate/types.js';
import { refuse } from '../reply.js';

/** TranslationErrors become refusals in the client's format. */
export function translated<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof TranslationError)
      throw refuse(err.status, err.message, 'ai_extproc_translation_error', err.type);
    throw err;
  }
}
