/**
 * The prompt guards (webhook → regex → moderation on requests; webhook → regex on responses) on the
 * strings of an MCP message. The strings are lent to the GuardRunner as the messages of an OpenAI
 * Chat body (one message per string), so every guard, its deadline, spans and metrics work as on an
 * AI route; what the guards wrote back goes into the same places of the MCP message, which stays
 * the same JSON with other string values.
 */
import type { RequestGuardConfig, ResponseGuardConfig } from '../../guards/config.js';
import type { StringSlot } from '../../mcp/strings.js';
import type { GuardContext, GuardRunner } from '../guard-runner.js';
import type { Refusal } from '../reply.js';

export type SlotGuardResult =
  | { readonly kind: 'pass'; readonly changed: boolean }
  | { readonly kind: 'reject'; readonly refusal: Refusal };

function writeBack(slots: readonly StringSlot[], texts: readonly unknown[]): boolean {
  let changed = false;
  slots.forEach((slot, i) => {
    const t = texts[i];
    if (typeof t === 'string' && t !== slot.get()) {
      slot.set(t);
      changed = true;
    }
  });
  return changed;
}

/** Request guards on argument strings. */
export async function guardArguments(
  runner: GuardRunner,
  slots: readonly StringSlot[],
  cfg: RequestGuardConfig,
  ctx: GuardContext,
): Promise<SlotGuardResult> {
  if (slots.length === 0) return { kind: 'pass', changed: false };
  const messages = slots.map((s) => ({ role: 'user', content: s.get() }));
  const r = await runner.request({ messages }, cfg, ctx);
  if (r.kind === 'reject') return r;
  return {
    kind: 'pass',
    changed:
      r.changed &&
      writeBack(
        slots,
        messages.map((m) => m.content),
      ),
  };
}

/** Response guards on result strings. */
export async function guardResult(
  runner: GuardRunner,
  slots: readonly StringSlot[],
  cfg: ResponseGuardConfig,
  ctx: GuardContext,
): Promise<SlotGuardResult> {
  if (slots.length === 0) return { kind: 'pass', changed: false };
  const choices = slots.map((s, index) => ({ index, message: { role: 'assistant', content: s.get() } }));
  const r = await runner.response({ object: 'chat.completion', choices }, cfg, ctx);
  if (r.kind === 'fail') return { kind: 'reject', refusal: r.refusal };
  return {
    kind: 'pass',
    changed:
      r.changed &&
      writeBack(
        slots,
        choices.map((c) => c.message.content),
      ),
  };
}
