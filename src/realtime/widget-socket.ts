import type { Namespace, Socket } from 'socket.io';
import { z } from 'zod';
import type { Deps } from '../context.js';
import { withSql } from '../db/sql.js';
import { contactExternalId, latestContactConversation } from '../db/conversations.js';
import { visitorsOfMessages } from '../db/messages.js';
import { forbidden, toErrorBody } from '../errors.js';
import {
  VisitorPageInput, VisitorSendInput, authenticateVisitor, markDelivered, markVisitorRead, submitVisitorMessage, visitorThread, visitorView,
  widgetOriginAllowed, type EnqueueInbound, type Visitor,
} from '../domain/widget.js';
import { loadMessages } from '../domain/read-models.js';
import { WidgetThrottle } from '../security/widget-throttle.js';
import { redisKeys } from '../queue/redis-keys.js';
import type { WidgetEvent } from '../queue/widget-events.js';
import { rooms } from './publisher.js';
import type { HubServer } from './socket-server.js';
import type { AckReply } from './events.js';
import { VisitorReadInput, type WidgetClientEvents, type WidgetClientRequests, type WidgetServerEvents } from '../../contract/widget.js';
import { duplicateRedis } from '../queue/redis-connection.js';

type VisitorSocket = Socket<WidgetClientEvents, WidgetServerEvents, Record<string, never>, { visitor: Visitor }>;
const visitorRoom = (visitorId: string) => `visitor:${visitorId}`;
const TYPING_INTERVAL_MS = 1500;
/** How long a widget has to confirm it received a message (else it stays `sent` until fetched). */
const DELIVERY_ACK_MS = 10_000;

type Handler<S extends z.ZodType, D> = { schema: S; run(socket: VisitorSocket, v: Visitor, input: z.infer<S>): Promise<D> };
const handler = <S extends z.ZodType, D>(schema: S, run: Handler<S, D>['run']): Handler<S, D> => ({ schema, run });

/**
 * The `/widget` Socket.IO namespace: website visitors, authenticated by their visitor token, from
 * pages their channel allows. What is published for visitors (src/queue/widget-events.ts) reaches
 * the sockets this process holds; a widget acknowledging a message makes it `delivered`.
 */
export function startWidgetSockets(io: HubServer, deps: Deps, enqueue: EnqueueInbound): { close(): Promise<void> } {
  const nsp = io.of('/widget') as unknown as Namespace<WidgetClientEvents, WidgetServerEvents, Record<string, never>, { visitor: Visitor }>;
  const keys = redisKeys(deps.config.queuePrefix);
  const throttle = new WidgetThrottle(deps.redis, keys, deps.config.widgetLimits);

  nsp.use(async (socket, next) => {
    try {
      const visitor = await authenticateVisitor(deps, (socket.handshake.auth as { visitorToken?: unknown })?.visitorToken);
      // Browsers send their page's origin (not forgeable there); other clients hold a token all the same.
      const origin = socket.handshake.headers.origin;
      if (origin && !widgetOriginAllowed(deps, visitor.channel, origin, socket.handshake.headers.host)) throw forbidden('This website may not use this chat');
      socket.data.visitor = visitor;
      next();
    } catch (err) {
      const { body } = toErrorBody(err);
      next(Object.assign(new Error(body.error.code), { data: body.error }));
    }
  });

  const typedAt = new WeakMap<VisitorSocket, number>();
  const HANDLERS = {
    send_message: handler(VisitorSendInput, async (_s, v, input) => {
      await throttle.take('visitor', v.id);
      return submitVisitorMessage(deps, enqueue, v, input);
    }),
    load_messages: handler(VisitorPageInput, (_s, v, q) => visitorThread(deps, v, q)),
    mark_as_read: handler(VisitorReadInput.default({}), (_s, v, input) => markVisitorRead(deps, v, input)),
    typing: handler(z.object({ isTyping: z.boolean().default(true) }), async (socket, v, { isTyping }) => {
      const last = typedAt.get(socket);
      if (isTyping && last && Date.now() - last < TYPING_INTERVAL_MS) return { throttled: true };
      if (isTyping) typedAt.set(socket, Date.now());
      else typedAt.delete(socket);
      const c = await withSql(deps.orm, (sql) => latestContactConversation(sql, v.channel.id, v.id));
      if (c) {
        const to = [rooms.conversation(c.id), ...(c.assigned_to_id ? [rooms.user(c.assigned_to_id)] : [])];
        deps.publisher.to(to, 'typing', { conversationId: c.id, userId: c.prospect_id, name: v.name ?? 'Visitor', isTyping });
      }
      return { throttled: false };
    }),
  } satisfies { [E in keyof WidgetClientRequests]: Handler<z.ZodType, WidgetClientRequests[E]['data']> };

  nsp.on('connection', (socket) => {
    socket.join(visitorRoom(socket.data.visitor.id));
    for (const [event, h] of Object.entries(HANDLERS) as [keyof WidgetClientRequests, Handler<z.ZodType, unknown>][]) {
      socket.on(event, (async (payload: unknown, ack?: (reply: AckReply<unknown>) => void) => {
        const reply = typeof ack === 'function' ? ack : () => undefined;
        const parsed = h.schema.safeParse(payload ?? {});
        if (!parsed.success) return reply({ ok: false, error: { code: 'validation_error', message: parsed.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ') } });
        try {
          // Socket events count with the address's HTTP requests; the visitor's standing is checked now
          // (the channel switched off or deleted, identity now required).
          await throttle.take('address', socket.handshake.address);
          const visitor = await authenticateVisitor(deps, socket.handshake.auth?.visitorToken);
          socket.data.visitor = visitor;
          reply({ ok: true, data: await h.run(socket, visitor, parsed.data) });
        } catch (err) {
          const { status, body } = toErrorBody(err);
          if (status >= 500) deps.log.error({ err, event }, 'widget socket handler failed');
          reply({ ok: false, error: body.error });
          if (status === 401) socket.disconnect(true);
        }
      }) as never);
    }
  });

  const local = (visitorId: string) => nsp.local.to(visitorRoom(visitorId));
  const holds = (visitorId: string) => (nsp.adapter.rooms.get(visitorRoom(visitorId))?.size ?? 0) > 0;

  async function handle(e: WidgetEvent) {
    if (e.kind === 'deliver') {
      if (!holds(e.visitorId)) return;
      const [m] = await withSql(deps.orm, (sql) => loadMessages(sql, [e.messageId], deps.signer));
      if (!m || m.private) return; // notes are never queued to send; a visitor never gets one all the same
      local(e.visitorId).timeout(DELIVERY_ACK_MS).emit('new_message', visitorView(m, e.visitorId), ((_err: unknown, acks: unknown[] = []) => {
        if (acks.some(Boolean)) markDelivered(deps, e.messageId).catch((err) => deps.log.warn({ err }, 'marking a widget message delivered failed'));
      }) as never);
      return;
    }
    if (e.kind === 'messages') {
      const { messages, owners } = await withSql(deps.orm, async (sql) => {
        const mine = (await visitorsOfMessages(sql, e.messageIds)).filter((o) => holds(o.visitor_id));
        return { owners: new Map(mine.map((o) => [o.id, o.visitor_id])), messages: await loadMessages(sql, mine.map((o) => o.id), deps.signer) };
      });
      for (const m of messages) {
        const visitorId = owners.get(m.id)!;
        if (e.event === 'new_message') local(visitorId).emit('new_message', visitorView(m, visitorId), (() => undefined) as never);
        else local(visitorId).emit('message_updated', visitorView(m, visitorId));
      }
      return;
    }
    const visitorId = await withSql(deps.orm, (sql) => contactExternalId(sql, e.conversationId));
    if (visitorId && holds(visitorId)) local(visitorId).emit('typing', { isTyping: e.isTyping, name: e.name });
  }

  const sub = duplicateRedis(deps.redis);
  sub.on('error', () => undefined); // reconnects by itself; the main connection logs
  sub.on('message', (_channel: string, message: string) => {
    let event: WidgetEvent;
    try {
      event = JSON.parse(message) as WidgetEvent;
    } catch {
      return;
    }
    handle(event).catch((err) => deps.log.warn({ err }, 'a widget event could not be pushed'));
  });
  const subscribed = sub.subscribe(keys.widgetDeliver).catch((err) => deps.log.warn({ err }, 'widget events subscription failed'));

  return {
    close: async () => {
      await subscribed;
      await Promise.race([sub.quit().catch(() => undefined), new Promise((done) => setTimeout(done, 1_000))]);
      sub.disconnect();
    },
  };
}
