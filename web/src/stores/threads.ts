import { defineStore } from 'pinia';
import { ref } from 'vue';
import { isStaleStatus } from '../../../contract/message-status';
import type { TypingEvent } from '../../../contract/socket';
import { api, ApiError } from '../api/http';
import { hubSocket, request } from '../api/socket';
import type { Attachment, ChatMessage, Platform, UploadedFile } from '../api/types';
import { uuid } from '../lib/uuid';
import { pageVisible, useConversationsStore } from './conversations';

export interface Thread {
  messages: ChatMessage[];
  /** Older messages exist on the server. */
  hasMore: boolean;
  loading: boolean;
  loadingOlder: boolean;
  error?: string;
}

/**
 * What a message may carry besides text and files: `private` makes it a note (agents only, never
 * sent to the customer) with the agents it @mentions; a quoted message; a WhatsApp template.
 */
export type SendOptions = {
  private?: boolean;
  mentions?: string[];
  replyToId?: string;
  template?: { name: string; language: string; params: string[] };
};

interface Outgoing {
  conversationId: string;
  content: string;
  /** Uploads (`POST /api/uploads`) sent with the message. */
  attachmentIds: string[];
  /** In flight right now. */
  sending: boolean;
  /** Waiting for the hub to be reachable again. */
  queued: boolean;
  extra: SendOptions;
}

const MESSAGE_PAGE = 50;
const LOCAL_SEQ = Number.MAX_SAFE_INTEGER;
const TYPING_SHOWN_MS = 6000;

/** The server's thread order: (timestamp, seq); optimistic bubbles last until acknowledged. */
const bySeq = (a: ChatMessage, b: ChatMessage) =>
  Number(Boolean(a.local)) - Number(Boolean(b.local)) || a.timestamp.localeCompare(b.timestamp) || a.seq - b.seq;

export const maxSeq = (messages: ChatMessage[]): number =>
  messages.reduce((m, x) => (!x.local && Number.isFinite(x.seq) && x.seq > m ? x.seq : m), 0);

/**
 * Messages per conversation and who is typing in them, over the socket (`load_messages`
 * also subscribes this socket to the conversation); the outbox of optimistic sends over REST
 * (`POST /api/conversations/:id/messages` with a clientMessageId the hub dedupes, and
 * `POST /api/messages/:id/retry`).
 */
export const useThreadsStore = defineStore('threads', () => {
  const convs = useConversationsStore();
  const threads = ref<Record<string, Thread>>({});
  const typing = ref<Record<string, Record<string, { name: string; until: number }>>>({});
  const outbox = new Map<string, Outgoing>();

  function thread(id: string): Thread {
    if (!threads.value[id]) threads.value[id] = { messages: [], hasMore: false, loading: false, loadingOlder: false };
    return threads.value[id];
  }

  /** Merges by id (and clientMessageId for optimistic bubbles): no gaps, no duplicates. */
  function merge(conversationId: string, incoming: ChatMessage[]) {
    const t = threads.value[conversationId];
    if (!t || !incoming.length) return;
    const list = [...t.messages];
    for (const m of incoming) {
      if (!m?.id) continue;
      let i = list.findIndex((x) => x.id === m.id);
      if (i < 0 && m.clientMessageId) i = list.findIndex((x) => x.clientMessageId === m.clientMessageId);
      const local = m.id.startsWith('local:');
      if (i >= 0) {
        const prev = list[i];
        const next = { ...m, local };
        // A stale snapshot (a page fetched before an update) must not move delivery backwards.
        if (!local && !prev.local && prev.id === m.id && isStaleStatus(prev.status, m.status)) next.status = prev.status;
        list[i] = next;
      } else list.push({ ...m, local });
    }
    list.sort(bySeq);
    t.messages = list;
  }

  function onMessage(m: ChatMessage, isNew: boolean) {
    if (!m?.conversationId) return;
    merge(m.conversationId, [m]);
    if (m.clientMessageId) {
      const out = outbox.get(m.clientMessageId);
      if (out && !out.sending) outbox.delete(m.clientMessageId);
    }
    if (isNew && m.senderType === 'prospect') {
      if (typing.value[m.conversationId]) typing.value[m.conversationId] = {};
      if (m.conversationId === convs.activeId && pageVisible()) convs.scheduleRead(m.conversationId);
    }
  }

  async function loadThread(id: string) {
    const t = thread(id);
    t.loading = true;
    t.error = undefined;
    try {
      const page = await request('load_messages', { conversationId: id, limit: MESSAGE_PAGE });
      // Kept: optimistic bubbles, and what arrived while the page was read (a send's answer, its status).
      const newest = maxSeq(page.items);
      const kept = t.messages.filter((m) => m.local || m.seq > newest);
      t.messages = [];
      merge(id, [...kept, ...page.items]);
      t.hasMore = page.hasMore;
    } catch (err) {
      t.error = (err as Error).message;
    } finally {
      t.loading = false;
    }
  }

  /** Everything after the highest seq held, page by page. */
  async function catchUp(id: string) {
    const t = thread(id);
    let after = maxSeq(t.messages);
    if (!after) return loadThread(id);
    for (let i = 0; i < 20; i++) {
      const page = await request('load_messages', { conversationId: id, after, limit: MESSAGE_PAGE });
      merge(id, page.items);
      const next = maxSeq(page.items);
      if (!page.hasMore || !page.items.length || next <= after) break;
      after = next;
    }
  }

  /** After a reconnect: the open thread fetches what it missed; the others reload when opened. */
  async function resync() {
    const id = convs.activeId;
    for (const key of Object.keys(threads.value)) if (key !== id) delete threads.value[key];
    if (id && threads.value[id]) await catchUp(id);
    else if (id) await loadThread(id);
  }

  async function loadOlder(id: string) {
    const t = threads.value[id];
    if (!t || !t.hasMore || t.loadingOlder) return;
    // The oldest message in thread order is the server's `before` cursor.
    const before = t.messages.find((m) => !m.local)?.seq;
    if (before === undefined) return;
    t.loadingOlder = true;
    try {
      const page = await request('load_messages', { conversationId: id, before, limit: MESSAGE_PAGE });
      merge(id, page.items);
      t.hasMore = page.hasMore;
    } catch {
      /* "Load earlier messages" stays for another try */
    } finally {
      t.loadingOlder = false;
    }
  }

  async function open(id: string | null) {
    convs.activeId = id;
    if (!id) return;
    if (!convs.conversations[id]) {
      try {
        await convs.fetchConversation(id);
      } catch (err) {
        thread(id).error = (err as Error).message;
        return;
      }
    }
    if (threads.value[id]?.messages.length) await catchUp(id).catch(() => undefined);
    else await loadThread(id);
    if ((convs.conversations[id]?.unreadCount ?? 0) > 0) void convs.markAsRead(id);
  }

  // ---- outbox ---------------------------------------------------------------------------

  function send(conversationId: string, content: string, files: UploadedFile[] = [], extra: SendOptions = {}) {
    const text = content.trim();
    if (!text && !files.length && !extra.template) return;
    const clientMessageId = uuid();
    // Shown as file chips ('local') until the server's message replaces the bubble.
    const attachments: Attachment[] = files.map((f) => ({ id: f.id, kind: f.kind, fileName: f.fileName, fileSize: f.fileSize, fileType: f.fileType, status: 'local' }));
    const optimistic: ChatMessage = {
      id: `local:${clientMessageId}`,
      conversationId,
      senderId: convs.me,
      senderType: 'agent',
      content: text || (extra.template ? `[template ${extra.template.name}] ${extra.template.params.join(' · ')}`.trim() : ''),
      messageType: (attachments[0]?.kind ?? 'text') as ChatMessage['messageType'],
      ...(attachments.length ? { metadata: { attachments } } : {}),
      // Unknown until the conversation is loaded; the server's message replaces the bubble.
      platform: (convs.conversations[conversationId]?.platform ?? '') as Platform,
      timestamp: new Date().toISOString(),
      status: 'pending',
      clientMessageId,
      seq: LOCAL_SEQ,
      local: true,
      ...(extra.private ? { private: true } : {}),
    };
    const t = thread(conversationId);
    t.messages = [...t.messages, optimistic];
    outbox.set(clientMessageId, { conversationId, content: text, attachmentIds: files.map((f) => f.id), sending: false, queued: true, extra });
    void transmit(clientMessageId).catch(() => undefined);
  }

  function setLocal(clientMessageId: string, patch: Partial<ChatMessage>) {
    for (const t of Object.values(threads.value)) {
      const i = t.messages.findIndex((m) => m.local && m.clientMessageId === clientMessageId);
      if (i >= 0) {
        const list = [...t.messages];
        list[i] = { ...list[i], ...patch };
        t.messages = list;
      }
    }
  }

  async function transmit(clientMessageId: string) {
    const out = outbox.get(clientMessageId);
    if (!out || out.sending) return;
    out.sending = true;
    out.queued = false;
    setLocal(clientMessageId, { status: 'pending', error: undefined });
    try {
      const body = { content: out.content, clientMessageId, ...(out.attachmentIds.length ? { attachmentIds: out.attachmentIds } : {}), ...out.extra };
      const m = await api<ChatMessage>('POST', `/api/conversations/${encodeURIComponent(out.conversationId)}/messages`, body);
      outbox.delete(clientMessageId);
      merge(out.conversationId, [m]);
    } catch (err) {
      out.sending = false;
      const e = err as ApiError;
      // Unreachable: sent again with the same clientMessageId when the socket is back (the hub dedupes).
      out.queued = e.status === 0;
      setLocal(clientMessageId, out.queued ? { status: 'pending' } : { status: 'failed', error: e.code === 'window_closed' ? e.message || 'The 24-hour window is closed' : e.message });
      throw err;
    }
  }

  /** A reaction (empty removes), an edit or a delete: the hub answers at once (or `unsupported`), the platform's outcome comes as message_updated. */
  async function react(m: ChatMessage, emoji: string) {
    merge(m.conversationId, [await request('react_message', { messageId: m.id, emoji })]);
  }
  async function edit(m: ChatMessage, content: string) {
    merge(m.conversationId, [await request('edit_message', { messageId: m.id, content })]);
  }
  async function remove(m: ChatMessage) {
    merge(m.conversationId, [await request('delete_message', { messageId: m.id })]);
  }

  function flushOutbox() {
    for (const [id, out] of outbox) if (out.queued && !out.sending) transmit(id).catch(() => undefined);
  }

  async function retry(m: ChatMessage) {
    if (m.local && m.clientMessageId) {
      await transmit(m.clientMessageId);
      return;
    }
    const updated = await api<ChatMessage>('POST', `/api/messages/${encodeURIComponent(m.id)}/retry`);
    merge(updated?.conversationId ?? m.conversationId, [updated?.id ? updated : { ...m, status: 'pending', error: undefined }]);
  }

  function discardLocal(m: ChatMessage) {
    if (!m.local || !m.clientMessageId) return;
    outbox.delete(m.clientMessageId);
    const t = threads.value[m.conversationId];
    if (t) t.messages = t.messages.filter((x) => x.id !== m.id);
  }

  // ---- typing ---------------------------------------------------------------------------

  function onTyping(ev: TypingEvent) {
    if (!ev?.conversationId || ev.userId === convs.me) return;
    const cur = { ...(typing.value[ev.conversationId] ?? {}) };
    if (ev.isTyping) cur[ev.userId] = { name: ev.name || 'Someone', until: Date.now() + TYPING_SHOWN_MS };
    else delete cur[ev.userId];
    typing.value[ev.conversationId] = cur;
    setTimeout(expireTyping, TYPING_SHOWN_MS + 500);
  }

  function expireTyping() {
    const t = Date.now();
    for (const [cid, users] of Object.entries(typing.value)) {
      const live = Object.fromEntries(Object.entries(users).filter(([, u]) => u.until > t));
      if (Object.keys(live).length !== Object.keys(users).length) typing.value[cid] = live;
    }
  }

  const typingNames = (conversationId: string) => Object.values(typing.value[conversationId] ?? {}).map((u) => u.name);

  let typingSentAt = 0;
  let typingStop: ReturnType<typeof setTimeout> | undefined;
  function sendTyping(conversationId: string, isTyping: boolean) {
    const s = hubSocket.current;
    if (!s?.connected) return;
    if (typingStop) clearTimeout(typingStop);
    if (isTyping) {
      if (Date.now() - typingSentAt > 3000) {
        typingSentAt = Date.now();
        s.volatile.emit('typing', { conversationId, isTyping: true }, () => undefined);
      }
      typingStop = setTimeout(() => sendTyping(conversationId, false), 4000);
    } else if (typingSentAt) {
      typingSentAt = 0;
      s.volatile.emit('typing', { conversationId, isTyping: false }, () => undefined);
    }
  }

  function reset() {
    threads.value = {};
    typing.value = {};
    outbox.clear();
  }

  return {
    threads, typing,
    merge, onMessage, loadThread, catchUp, resync, loadOlder, open,
    send, retry, discardLocal, flushOutbox, react, edit, remove,
    onTyping, expireTyping, typingNames, sendTyping, reset,
  };
});
