import { z } from 'zod';
import type { Deps } from '../context.js';
import { withSql } from '../db/sql.js';
import { toErrorBody } from '../errors.js';
import {
  ConversationFilter, ConversationPatch, MessagePage, getConversation, listConversations, loadThread, markAsRead, updateConversation, type Actor,
} from '../domain/conversations.js';
import { SendInput, sendMessage } from '../domain/outbound.js';
import { DeleteInput, EditInput, ReactInput, requestAction } from '../domain/message-actions.js';
import { ClientFields, NoteInput, addNote, convertProspect, listClients, listProspects } from '../domain/crm.js';
import type { Ack, ClientEventName, ClientRequests } from './events.js';
import { rooms } from './publisher.js';
import type { HubSocket } from './socket-server.js';
import { publishWidgetEvent } from '../queue/widget-events.js';
import { redisKeys } from '../queue/redis-keys.js';
import { markWrote } from '../domain/replica-reads.js';

type Ctx = { deps: Deps; socket: HubSocket; actor: Actor };
type Handler<S extends z.ZodType, Data = unknown> = { schema: S; run(ctx: Ctx, input: z.infer<S>): Promise<Data> };
const handler = <S extends z.ZodType, Data>(schema: S, run: Handler<S, Data>['run']): Handler<S, Data> => ({ schema, run });

const Page = z.object({ search: z.string().trim().max(200).optional(), cursor: z.string().max(500).optional(), limit: z.coerce.number().int().min(1).max(100).optional() });
/** Ids are bounded before anything looks at them (a lookup answers not_found for a wrong one). */
const Id = z.string().max(64);
const ConversationRef = z.object({ conversationId: Id });
const TYPING_INTERVAL_MS = 1500;
/** The typing rate limit remembers this many conversations per socket, at most. */
const TYPING_MEMORY = 100;

/** Every client event of the contract, validated, answered through its acknowledgement. */
const HANDLERS = {
  load_conversations: handler(ConversationFilter, ({ deps, actor }, f) => listConversations(deps, actor, f)),
  load_prospects: handler(Page, ({ deps, actor }, q) => listProspects(deps, actor, q)),
  load_clients: handler(Page, ({ deps, actor }, q) => listClients(deps, actor, q)),
  // Joining the conversation's room only after the organization check: from now on this socket gets its messages.
  load_messages: handler(MessagePage, async ({ deps, socket, actor }, q) => {
    const page = await loadThread(deps, actor, q);
    await socket.join(rooms.conversation(page.conversation.id));
    return { items: page.items, hasMore: page.hasMore };
  }),
  send_message: handler(SendInput, ({ deps, actor }, input) => sendMessage(deps, actor, input)),
  react_message: handler(ReactInput, ({ deps, actor }, { messageId, emoji }) => requestAction(deps, actor, messageId, { kind: 'react', emoji })),
  edit_message: handler(EditInput, ({ deps, actor }, { messageId, content }) => requestAction(deps, actor, messageId, { kind: 'edit', content })),
  delete_message: handler(DeleteInput, ({ deps, actor }, { messageId }) => requestAction(deps, actor, messageId, { kind: 'delete' })),
  mark_as_read: handler(ConversationRef, ({ deps, actor }, { conversationId }) => markAsRead(deps, actor, conversationId)),
  convert_prospect: handler(ClientFields.extend({ prospectId: Id }), ({ deps, actor }, { prospectId, ...fields }) =>
    convertProspect(deps, actor, prospectId, fields)),
  add_client_note: handler(NoteInput.extend({ clientId: Id }), ({ deps, actor }, { clientId, ...input }) => addNote(deps, actor, clientId, input)),
  update_chat_settings: handler(ConversationPatch.extend({ conversationId: Id }), ({ deps, actor }, { conversationId, ...patch }) =>
    updateConversation(deps, actor, conversationId, patch)),
  typing: handler(z.object({ conversationId: Id, isTyping: z.boolean().default(true) }), async ({ deps, socket, actor }, { conversationId, isTyping }) => {
    // When this socket last said it was typing, per conversation (the rate limit); made on its first typing event.
    const typedAt = (socket.data.typedAt ??= new Map());
    const last = typedAt.get(conversationId);
    // Rate limited: a keystroke stream becomes one event per interval (stopping always goes through).
    if (isTyping && last && Date.now() - last < TYPING_INTERVAL_MS) return { throttled: true };
    const conversation = await withSql(deps.orm, (sql) => getConversation(sql, actor, conversationId));
    // Only conversations the agent may see are remembered, and only so many (oldest forgotten first).
    typedAt.delete(conversation.id);
    if (isTyping) typedAt.set(conversation.id, Date.now());
    if (typedAt.size > TYPING_MEMORY) typedAt.delete(typedAt.keys().next().value!);
    const to = [rooms.conversation(conversation.id), ...(conversation.assignedTo ? [rooms.user(conversation.assignedTo)] : [])];
    socket.to(to).emit('typing', { conversationId: conversation.id, userId: actor.userId, name: actor.name ?? '', isTyping });
    if (conversation.platform === 'web') {
      await publishWidgetEvent(deps.redis, redisKeys(deps.config.queuePrefix), { kind: 'typing', conversationId: conversation.id, name: actor.name ?? '', isTyping });
    }
    return { throttled: false };
  }),
} satisfies { [E in ClientEventName]: Handler<z.ZodType, ClientRequests[E]['data']> };

/** Events that change nothing stored; after any other, the agent's reads stay on the primary a while (src/domain/replica-reads.ts). */
const READS: ReadonlySet<ClientEventName> = new Set(['load_conversations', 'load_prospects', 'load_clients', 'load_messages', 'typing']);

/** Compile-time check: every payload the contract allows is one its handler's schema takes. */
type PayloadMismatch = { [E in ClientEventName]: ClientRequests[E]['payload'] extends z.input<(typeof HANDLERS)[E]['schema']> ? never : E }[ClientEventName];
const payloadsFit: [PayloadMismatch] extends [never] ? true : PayloadMismatch = true;
void payloadsFit;

/**
 * The listeners are made once and shared by every socket (Socket.IO calls them with the socket as
 * `this`): a socket costs its listener entries, not a set of closures of its own.
 */
export function registerHandlers(deps: Deps) {
  const { presence } = deps;
  const listeners = (Object.entries(HANDLERS) as [ClientEventName, Handler<z.ZodType>][]).map(([event, h]) => ({
    event,
    listener(this: HubSocket, payload: unknown, ack?: Ack) {
      return answer(deps, this, event, h, payload, ack);
    },
  }));
  function setPresence(this: HubSocket, status: unknown) {
    const { orgId, userId } = this.data.auth;
    if (status === 'online' || status === 'away') presence.set(orgId, userId, status);
  }
  function disconnected(this: HubSocket) {
    const { orgId, userId } = this.data.auth;
    presence.disconnected(orgId, userId, this.id).catch(() => undefined);
  }
  return (socket: HubSocket) => {
    for (const { event, listener } of listeners) socket.on(event, listener);
    socket.on('set_presence', setPresence);
    // Presence is best effort: Redis going away (a shutdown, an outage) must not surface as an error here.
    presence.connected(socket.data.auth.orgId, socket.data.auth.userId, socket.id).catch(() => undefined);
    socket.on('disconnect', disconnected);
  };
}

/** One client event: validated, the user's standing checked, run, answered through its acknowledgement. */
async function answer(deps: Deps, socket: HubSocket, event: ClientEventName, h: Handler<z.ZodType>, payload: unknown, ack?: Ack) {
  const reply = typeof ack === 'function' ? ack : () => undefined;
  const parsed = h.schema.safeParse(payload ?? {});
  if (!parsed.success) {
    const message = parsed.error.issues.map((i: z.core.$ZodIssue) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ');
    return reply({ ok: false, error: { code: 'validation_error', message } });
  }
  try {
    // The user's standing now, not at connection time: a disabled or signed-out user's socket does nothing more.
    if (!(await deps.sessions.isCurrent(socket.data.auth))) {
      reply({ ok: false, error: { code: 'unauthorized', message: 'Your session has ended; sign in again' } });
      socket.disconnect(true);
      return;
    }
    const { userId, orgId, role, name } = socket.data.auth;
    if (!READS.has(event)) await markWrote(deps, userId);
    reply({ ok: true, data: await h.run({ deps, socket, actor: { userId, orgId, role, name } }, parsed.data) });
  } catch (err) {
    const { status, body } = toErrorBody(err);
    if (status >= 500) deps.log.error({ err, event }, 'socket handler failed');
    reply({ ok: false, error: body.error });
  }
}
