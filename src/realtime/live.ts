import type { Deps } from '../context.js';
import { withSql } from '../db/sql.js';
import { conversationRoutes } from '../db/conversations.js';
import { messagesByIds, type MessageRow } from '../db/messages.js';
import type { NotificationRow } from '../db/notifications.js';
import { loadConversations, loadMessages, loadProspects, messageView, notificationView, type ConversationView } from '../domain/read-models.js';
import { rooms } from './publisher.js';
import { Channel } from '../domain/channel.entity.js';
import { channelView } from '../domain/channels.js';
import { publishWidgetEvent } from '../queue/widget-events.js';
import { redisKeys } from '../queue/redis-keys.js';
import { Pacer } from './pacer.js';

/** What a committed write changed, by id (the pipeline's persist `Changes` fits it). */
export type LiveChanges = {
  /** New messages as stored (MESSAGE_COLUMNS), pushed without reading them back. */
  newMessageRows: MessageRow[];
  conversations: string[];
  updatedMessages: string[];
  newProspects: string[];
};

/** An organization's `conversation_updated` stream: its pace, and what waits for its next packet (due when `timer` fires). */
type Batching = { pacer: Pacer; timer?: NodeJS.Timeout; pending: Map<string, ConversationView> };

/**
 * Pushes committed changes to agents. Every agent of the organization gets
 * `conversation_updated`, paced (src/realtime/pacer.ts): each packet is written to every agent's
 * socket, so an organization gets at most one packet per `minGapMs` and, under steady load, one
 * per `intervalMs`; a change that may not go at once waits with the others for the next packet,
 * one array, each conversation in its latest state. A change slower than that goes at once.
 * Full messages go only to the agents who have the conversation open and to its assignee.
 */
export class LiveUpdates {
  private readonly batching = new Map<string, Batching>();

  constructor(
    private readonly deps: Omit<Deps, 'live'>,
    private readonly minGapMs = 25,
    private readonly intervalMs = 100,
  ) {}

  /** A channel's state changed (needs new credentials, say): its organization hears of it. */
  async channel(channelId: string, orgId: string): Promise<void> {
    const channel = await this.deps.orm.em.fork().findOne(Channel, { id: channelId, organization: orgId });
    if (channel) this.deps.publisher.to([rooms.admins(orgId)], 'channel_updated', channelView(channel, this.deps.box, this.deps.publicUrl));
  }

  /**
   * Pushes committed changes: one read of the changed conversations serves both the list
   * update and the routing of the new messages, which come as stored rows (no read back).
   */
  async publish(changes: Partial<LiveChanges>): Promise<void> {
    const { conversations = [], updatedMessages = [], newProspects = [] } = changes;
    const views = conversations.length ? await withSql(this.deps.orm, (sql) => loadConversations(sql, conversations)) : [];
    const newMessageRows = await this.withQuotes(changes.newMessageRows ?? []);
    const byId = new Map(views.map((v) => [v.id, v]));
    for (const row of newMessageRows) {
      const m = messageView(row, this.deps.signer);
      const assignee = byId.get(m.conversationId)?.assignedTo;
      this.deps.publisher.to([rooms.conversation(m.conversationId), ...(assignee ? [rooms.user(assignee)] : [])], 'new_message', m);
    }
    for (const v of views) this.queueConversation(v);
    await Promise.all([this.messagesUpdated(updatedMessages), this.prospects(newProspects)]);
  }

  /** Stored rows of messages that quote another (a platform's reply): read back once, for the quoted snippet. */
  private async withQuotes(rows: MessageRow[]): Promise<MessageRow[]> {
    const quoting = rows.filter((r) => r.quoted === undefined && typeof r.metadata?.replyTo === 'string').map((r) => r.id);
    if (!quoting.length) return rows;
    const read = new Map((await withSql(this.deps.orm, (sql) => messagesByIds(sql, quoting))).map((r) => [r.id, r]));
    return rows.map((r) => read.get(r.id) ?? r);
  }

  /** Messages that changed (status, attachment, reaction, edit): to their viewers and assignee. */
  async messagesUpdated(ids: string[]): Promise<void> {
    if (!ids.length) return;
    const { messages, routes } = await withSql(this.deps.orm, async (sql) => {
      const messages = await loadMessages(sql, ids, this.deps.signer);
      const routes = await conversationRoutes(sql, [...new Set(messages.map((m) => m.conversationId))]);
      return { messages, routes: new Map(routes.map((r) => [r.id, r])) };
    });
    for (const m of messages) {
      const route = routes.get(m.conversationId);
      const to = [rooms.conversation(m.conversationId)];
      if (route?.assigned_to_id) to.push(rooms.user(route.assigned_to_id));
      this.deps.publisher.to(to, 'message_updated', m);
    }
    // Website visitors see their own conversation's changes too (src/realtime/widget-socket.ts), never a note's.
    const web = messages.filter((m) => m.platform === 'web' && !m.private).map((m) => m.id);
    if (web.length) await publishWidgetEvent(this.deps.redis, redisKeys(this.deps.config.queuePrefix), { kind: 'messages', event: 'message_updated', messageIds: web });
  }

  /** New notifications, each to its own user only. */
  notifications(rows: NotificationRow[]): void {
    for (const row of rows) this.deps.publisher.to([rooms.user(row.user_id)], 'notification', notificationView(row));
  }

  private async prospects(ids: string[]): Promise<void> {
    if (!ids.length) return;
    const list = await withSql(this.deps.orm, (sql) => loadProspects(sql, ids));
    for (const p of list) this.deps.publisher.to([rooms.org(p.organizationId)], 'prospect_updated', p);
  }

  private queueConversation(v: ConversationView) {
    const org = v.organizationId;
    let b = this.batching.get(org);
    if (!b) this.batching.set(org, (b = { pacer: new Pacer(this.minGapMs, this.intervalMs), pending: new Map() }));
    // A later change of a conversation replaces the one still waiting.
    b.pending.set(v.id, v);
    if (b.timer) return;
    const now = performance.now();
    const wait = b.pacer.nextAt(now) - now;
    if (wait <= 0) this.flush(org);
    else b.timer = setTimeout(() => this.flush(org), wait);
  }

  private flush(org: string) {
    const b = this.batching.get(org)!;
    b.timer = undefined;
    const list = [...b.pending.values()];
    b.pending = new Map();
    this.deps.publisher.to([rooms.org(org)], 'conversation_updated', list.length === 1 ? list[0]! : list);
    b.pacer.sent(performance.now());
  }

  close(): void {
    for (const [org, b] of this.batching) {
      clearTimeout(b.timer);
      if (b.pending.size) this.deps.publisher.to([rooms.org(org)], 'conversation_updated', [...b.pending.values()]);
    }
    this.batching.clear();
  }
}
