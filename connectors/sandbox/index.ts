import { EventEmitter } from 'node:events';
import { z } from 'zod';
import type { Connector, NormalizedEvent, PullContext } from '../types.js';

/**
 * The demo channels' platform: a built-in stand-in that behaves like one. It accepts every send,
 * reports it delivered and then read a moment later, and has the prospect answer once it is read,
 * so a new user's first reply goes all the way. Only the demo seed creates channels of this
 * kind (the admin API refuses it outside demo mode).
 *
 * Sends and the channel's pull loop meet on an in-process bus keyed by `sandboxId`: both run in
 * the worker role, and what the loop hears goes through the ordinary ingest path. (With several
 * worker processes, a send handled by one that does not hold the channel's pull lease gets no
 * statuses: demo data is for a single hub.)
 */
export const SandboxCredentials = z.object({
  sandboxId: z.string().min(8).max(64),
  deliveredAfterMs: z.number().int().min(0).max(60_000).default(800),
  readAfterMs: z.number().int().min(0).max(60_000).default(2000),
  /** The prospect's answer once a message is read; empty for none. */
  replyText: z.string().max(500).default('Thanks, got it! (This is a demo contact answering from the sandbox.)'),
});
export type SandboxCredentials = z.infer<typeof SandboxCredentials>;

type Sent = { sandboxId: string; externalId: string; contact: { externalId: string; identifier: string; identifierType: 'phone' | 'email' | 'social'; name?: string } };
const bus = new EventEmitter().setMaxListeners(0);

const Payload = z.discriminatedUnion('type', [
  z.object({ type: z.literal('status'), externalId: z.string(), status: z.enum(['delivered', 'read']), timestamp: z.number() }),
  z.object({ type: z.literal('reply'), externalId: z.string(), contact: z.object({ externalId: z.string(), identifier: z.string(), identifierType: z.enum(['phone', 'email', 'social']), name: z.string().optional() }), content: z.string(), timestamp: z.number() }),
]);

function listen(ctx: PullContext<SandboxCredentials>) {
  const creds = ctx.credentials;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => Promise<void>) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn().catch((err) => ctx.log.warn({ err }, 'sandbox event not queued'));
    }, ms);
    timers.add(t);
  };
  const emit = (payload: z.infer<typeof Payload>, id: string) =>
    ctx.emit({ body: JSON.stringify(payload), contentType: 'application/json', receivedAt: Date.now() }, id);
  const onSent = (s: Sent) => {
    if (s.sandboxId !== creds.sandboxId) return;
    later(creds.deliveredAfterMs, () => emit({ type: 'status', externalId: s.externalId, status: 'delivered', timestamp: Date.now() }, `${s.externalId}:delivered`));
    later(Math.max(creds.readAfterMs, creds.deliveredAfterMs), async () => {
      await emit({ type: 'status', externalId: s.externalId, status: 'read', timestamp: Date.now() }, `${s.externalId}:read`);
      if (creds.replyText) await emit({ type: 'reply', externalId: `${s.externalId}:reply`, contact: s.contact, content: creds.replyText, timestamp: Date.now() }, `${s.externalId}:reply`);
    });
  };
  bus.on('sent', onSent);
  return { stop: async () => { bus.off('sent', onSent); for (const t of timers) clearTimeout(t); } };
}

export const sandbox: Connector<SandboxCredentials> = {
  kind: 'sandbox',
  platform: 'whatsapp',
  docs: '',
  credentials: SandboxCredentials,
  secretFields: [] as const,
  parse(raw): NormalizedEvent[] {
    let body: unknown;
    try {
      body = JSON.parse(raw.body);
    } catch {
      body = undefined;
    }
    const p = Payload.safeParse(body);
    if (!p.success) return [{ type: 'unsupported', reason: 'not a sandbox event' }];
    const e = p.data;
    if (e.type === 'status') return [{ type: 'status', externalId: e.externalId, status: e.status, timestamp: e.timestamp }];
    return [{ type: 'message', externalId: e.externalId, direction: 'in', contact: e.contact, timestamp: e.timestamp, messageType: 'text', content: e.content }];
  },
  pull: { start: async (ctx) => { ctx.setState('active'); return listen(ctx); } },
  send: {
    async send(message, credentials) {
      const externalId = `sandbox-${message.messageId}`;
      bus.emit('sent', { sandboxId: credentials.sandboxId, externalId, contact: message.to } satisfies Sent);
      return { externalId };
    },
  },
};
