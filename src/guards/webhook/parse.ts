/**
 * Validation of webhook replies against docs/reference/webhooks-openapi.yaml.
 *
 * GuardrailsPromptResponse  = {action: PassAction | MaskAction | RejectAction}   (required `action`)
 * GuardrailsResponseResponse = {action: PassAction | MaskAction}
 *   PassAction   {reason?: string|null}
 *   MaskAction   {body: PromptMessages | ResponseChoices, reason?: string|null}
 *   RejectAction {body: string, status_code: integer, reason?: string|null}
 *   Message      {role: string, content: string}     (both required)
 *   ResponseChoice {message: Message}
 * Unknown fields are ignored everywhere (pydantic's default), e.g. the `id`/`usage`/`index` fields of the
 * sample response-phase mask.
 *
 * How the action is told apart (the original used pydantic's "smart union"):
 *   - no `body` (or `body: null`)            → Pass
 *   - `body` is an object                    → Mask; request phase needs `messages`, response phase `choices`
 *   - `body` is a string                     → Reject (request phase); WebhookError in the response phase
 *   - anything else, or a Mask/Reject that does not validate → WebhookError (kind `schema`).
 * Deviation: pydantic would have fallen back to PassAction for a `body` that fails Mask/Reject validation
 * (PassAction ignores extra fields), silently passing e.g. a reject without `status_code`. We fail instead,
 * so the contract's error rule (§5) applies.
 */
import { DEFAULT_WEBHOOK_REJECT_BODY, WebhookError } from './types.js';
import type { WebhookRequestVerdict, WebhookResponseVerdict } from './types.js';
import type { JsonObject } from '../../json.js';
import { isObj } from '../../json.js';

function schema(message: string): WebhookError {
  return new WebhookError('schema', `webhook reply does not match the schema: ${message}`);
}

function action(json: unknown): JsonObject {
  if (!isObj(json)) throw schema('the reply is not a JSON object');
  const a = json.action;
  if (!isObj(a)) throw schema('`action` must be an object');
  return a;
}

function reasonOf(a: JsonObject): { reason?: string } {
  const r = a.reason;
  if (r === undefined || r === null) return {};
  if (typeof r !== 'string') throw schema('`action.reason` must be a string or null');
  return { reason: r };
}

function message(v: unknown, path: string): string {
  if (!isObj(v)) throw schema(`${path} must be an object`);
  // `role` is required by the schema but its value is ignored: only content is written back.
  if (typeof v.role !== 'string') throw schema(`${path}.role must be a string`);
  if (typeof v.content !== 'string') throw schema(`${path}.content must be a string`);
  return v.content;
}

function checkCount(got: number, want: number, what: string): void {
  if (got !== want)
    throw new WebhookError('count_mismatch', `webhook mask returned ${got} ${what}, ${want} were sent`);
}

function statusCode(v: unknown): number {
  // pydantic (lax) also accepts integral floats and digit strings for an int field.
  const n = typeof v === 'string' && /^\d{1,3}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw schema('`action.status_code` must be an integer');
  if (n < 200 || n > 599) throw schema(`\`action.status_code\` ${n} is not a usable HTTP status`);
  return n;
}

export function parseRequestReply(json: unknown, sent: number): WebhookRequestVerdict {
  const a = action(json);
  const reason = reasonOf(a);
  const body = a.body;
  if (body === undefined || body === null) return { kind: 'pass', ...reason };
  if (typeof body === 'string') {
    const status = statusCode(a.status_code);
    return { kind: 'reject', status, body: body || DEFAULT_WEBHOOK_REJECT_BODY, ...reason };
  }
  if (!isObj(body)) throw schema('`action.body` must be an object (mask) or a string (reject)');
  const messages = body.messages;
  if (!Array.isArray(messages)) throw schema('`action.body.messages` must be a list');
  checkCount(messages.length, sent, 'messages');
  const contents = messages.map((m, i) => message(m, `action.body.messages[${i}]`));
  return { kind: 'mask', contents, ...reason };
}

export function parseResponseReply(json: unknown, sent: number): WebhookResponseVerdict {
  const a = action(json);
  const reason = reasonOf(a);
  const body = a.body;
  if (body === undefined || body === null) return { kind: 'pass', ...reason };
  if (typeof body === 'string')
    throw new WebhookError('reject_not_allowed', 'webhook answered a reject action in the response phase');
  if (!isObj(body)) throw schema('`action.body` must be an object');
  const choices = body.choices;
  if (!Array.isArray(choices)) throw schema('`action.body.choices` must be a list');
  checkCount(choices.length, sent, 'choices');
  const contents = choices.map((c, i) => {
    if (!isObj(c)) throw schema(`action.body.choices[${i}] must be an object`);
    return message(c.message, `action.body.choices[${i}].message`);
  });
  return { kind: 'mask', contents, ...reason };
}
