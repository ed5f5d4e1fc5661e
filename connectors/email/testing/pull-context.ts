/** A PullContext double: collects emits and states, saves the cursor like the worker does. */
import type { PullContext, RawInbound } from '../../types.js';
import type { EmailCredentials } from '../credentials.js';

export interface Emitted {
  raw: RawInbound;
  deliveryId: string;
  cursor?: Record<string, unknown>;
}

export interface FakePullContext {
  ctx: PullContext<EmailCredentials>;
  emits: Emitted[];
  states: { state: string; reason?: string }[];
  /** The last cursor handed to emit or saveCursor (what the worker would have saved). */
  savedCursor(): Record<string, unknown> | null;
  waitFor<T>(check: () => T | undefined | false, timeoutMs?: number): Promise<T>;
}

export function fakePullContext(credentials: EmailCredentials, cursor: Record<string, unknown> | null = null): FakePullContext {
  const emits: Emitted[] = [];
  const states: { state: string; reason?: string }[] = [];
  let saved = cursor;
  const ctx: PullContext<EmailCredentials> = {
    channelId: 'test-email-channel',
    webhookUrl: 'http://127.0.0.1/webhooks/email',
    fetch: globalThis.fetch,
    credentials,
    cursor,
    async emit(raw, deliveryId, next) {
      emits.push({ raw, deliveryId, ...(next ? { cursor: next } : {}) });
      if (next) saved = next;
    },
    async saveCursor(next) {
      saved = next;
    },
    setState(state, reason) {
      states.push({ state, ...(reason ? { reason } : {}) });
    },
    log: { info() {}, warn() {} },
  };
  return {
    ctx,
    emits,
    states,
    savedCursor: () => saved,
    async waitFor(check, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const v = check();
        if (v) return v;
        if (Date.now() > deadline) throw new Error(`timed out; emits=${emits.length} states=${JSON.stringify(states)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
