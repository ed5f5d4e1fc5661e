import { defineStore } from 'pinia';
import { computed, markRaw, reactive, ref, shallowRef } from 'vue';
import { io, type Socket } from 'socket.io-client';
import type { ClientEventName, ClientEvents, ClientRequests, ServerEvents } from '../../../contract/socket';
import { isStaleStatus } from '../../../contract/message-status';
import { api, ApiError, type UploadedFile } from '../api/http';
import type {
  AckReply, Agent, Attachment, Channel, ChatMessage, Conversation, ConversationPatch, ConversationStatus, Page, Platform, Prospect,
} from '../api/types';
import { uuid } from '../lib/uuid';
import { useAuthStore } from './auth';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting';

export interface Filters {
  status: ConversationStatus | '';
  platform: Platform | '';
  unread: boolean;
  mine: boolean;
  search: string;
}

export interface Thread {
  messages: ChatMessage[];
  /** Older messages exist on the server. */
  hasMore: boolean;
  loading: boolean;
  loadingOlder: boolean;
  error?: string;
}

interface Outgoing {
  conversationId: string;
  content: string;
  /** Uploads (`POST /api/uploads`) sent with the message. */
  attachmentIds: string[];
  /** In flight right now. */
  sending: boolean;
  /** Waiting for the socket to come back. */
  queued: boolean;
}

const LIST_PAGE = 30;
const MESSAGE_PAGE = 50;
const LOCAL_SEQ = Number.MAX_SAFE_INTEGER;

const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** The server's thread order: (timestamp, seq); optimistic bubbles last until acknowledged. */
const bySeq = (a: ChatMessage, b: ChatMessage) =>
  Number(Boolean(a.local)) - Number(Boolean(b.local)) || a.timestamp.localeCompare(b.timestamp) || a.seq - b.seq;

export const maxSeq = (messages: ChatMessage[]): number =>
  messages.reduce((m, x) => (!x.local && Number.isFinite(x.seq) && x.seq > m ? x.seq : m), 0);

export const useChatStore = defineStore('chat', () => {
  const auth = useAuthStore();
  const socket = shallowRef<Socket<ServerEvents, ClientEvents> | null>(null);
  const connection = ref<ConnectionState>('idle');
  const everConnected = ref(false);
  const lastError = ref<string | null>(null);

  const conversations = ref<Record<string, Conversation>>({});
  const listIds = ref<string[]>([]);
  const nextCursor = ref<string | undefined>();
  const listLoading = ref(false);
  const listLoaded = ref(false);
  const listError = ref<string | null>(null);
  const filters = reactive<Filters>({ status: 'active', platform: '', unread: false, mine: false, search: '' });
  let listRequest = 0;

  const threads = ref<Record<string, Thread>>({});
  const activeId = ref<string | null>(null);
  const typing = ref<Record<string, Record<string, { name: string; until: number }>>>({});
  const prospects = ref<Record<string, Prospect>>({});
  const agents = ref<Agent[]>([]);
  const presence = ref<Record<string, string>>({});
  const channelEvents = ref<Channel | null>(null);
  const now = ref(Date.now());
  const outbox = new Map<string, Outgoing>();
  let clock: ReturnType<typeof setInterval> | undefined;
  let readTimer: ReturnType<typeof setTimeout> | undefined;
  let presenceHooked = false;

  const me = computed(() => auth.user?.id ?? '');

  function matches(c: Conversation): boolean {
    if (filters.status && c.status !== filters.status) return false;
    if (filters.platform && c.platform !== filters.platform) return false;
    if (filters.unread && !(c.unreadCount > 0) && c.id !== activeId.value) return false;
    if (filters.mine && c.assignedTo !== me.value) return false;
    return true;
  }

  const list = computed(() =>
    listIds.value
      .map((id) => conversations.value[id])
      .filter((c): c is Conversation => Boolean(c) && (matches(c) || c.id === activeId.value))
      .sort((a, b) => b.lastActivity.localeCompare(a.lastActivity) || b.id.localeCompare(a.id)),
  );

  const active = computed(() => (activeId.value ? conversations.value[activeId.value] : undefined));
  const activeThread = computed(() => (activeId.value ? threads.value[activeId.value] : undefined));
  const unreadTotal = computed(() => Object.values(conversations.value).reduce((n, c) => n + (c.unreadCount > 0 ? 1 : 0), 0));

  // ---- socket plumbing ---------------------------------------------------------------

  function request<E extends ClientEventName>(event: E, payload: ClientRequests[E]['payload'], timeoutMs = 15_000): Promise<ClientRequests[E]['data']> {
    type T = ClientRequests[E]['data'];
    const s = socket.value;
    if (!s) return Promise.reject(new ApiError(0, 'offline', 'Not connected to the hub'));
    // socket.io's types cannot resolve the acknowledgement of a generic event: the contract's, spelled out.
    const timed = s.timeout(timeoutMs) as unknown as { emit(ev: E, payload: ClientRequests[E]['payload'], ack: (err: Error | null, res: AckReply<T>) => void): void };
    return new Promise<T>((resolve, reject) => {
      timed.emit(event, payload, (err, res) => {
        if (err) return reject(new ApiError(0, 'timeout', 'The hub did not answer in time'));
        if (!res || typeof res !== 'object') return reject(new ApiError(0, 'bad_reply', 'Unexpected reply from the hub'));
        if (res.ok) resolve(res.data);
        else reject(new ApiError(400, res.error?.code ?? 'error', res.error?.message ?? 'Request failed'));
      });
    });
  }

  function connect() {
    if (socket.value || !auth.token) return;
    connection.value = 'connecting';
    const s = io({
      // Read at every (re)connection: after a password change the socket comes back with the new token.
      auth: (cb) => cb({ token: auth.token }),
      transports: ['websocket'],
      reconnectionDelay: 500,
      reconnectionDelayMax: 5000,
    });
    socket.value = markRaw(s);

    s.on('connect', () => {
      const resumed = everConnected.value;
      connection.value = 'connected';
      everConnected.value = true;
      lastError.value = null;
      if (resumed) void resync();
      else if (!listLoaded.value) void loadConversations(true);
      flushOutbox();
    });
    s.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') {
        connection.value = 'idle';
        return;
      }
      connection.value = 'reconnecting';
      // The server dropped us on purpose (e.g. a restart): socket.io won't retry by itself.
      if (reason === 'io server disconnect') setTimeout(() => socket.value === s && !s.connected && s.connect(), 1000);
    });
    s.on('connect_error', (err: Error & { data?: { code?: string } }) => {
      if (err.message === 'unauthorized' || err.data?.code === 'unauthorized') {
        onUnauthorized();
        return;
      }
      connection.value = everConnected.value ? 'reconnecting' : 'connecting';
      // Middleware errors are not retried by the client; transport errors are.
      if (!s.active) setTimeout(() => socket.value === s && !s.connected && s.connect(), 2000);
    });

    s.on('new_message', (m: ChatMessage) => onMessage(m, true));
    s.on('message_updated', (m: ChatMessage) => onMessage(m, false));
    s.on('conversation_updated', (c: Conversation | Conversation[]) => asArray(c).forEach((x) => upsertConversation(x, true)));
    s.on('prospect_updated', (p: Prospect) => upsertProspect(p));
    s.on('typing', (ev: { conversationId: string; userId: string; name: string; isTyping: boolean }) => onTyping(ev));
    s.on('presence', (ev: { userId: string; status: string }) => {
      presence.value = { ...presence.value, [ev.userId]: ev.status };
    });
    s.on('channel_updated', (ch: Channel) => {
      channelEvents.value = ch;
    });

    if (typeof document !== 'undefined' && !presenceHooked) {
      presenceHooked = true;
      document.addEventListener('visibilitychange', () => {
        const sock = socket.value;
        if (!sock?.connected) return;
        sock.emit('set_presence', document.visibilityState === 'visible' ? 'online' : 'away');
        // Back on the tab: what arrived in the open conversation meanwhile is now read.
        const id = activeId.value;
        if (document.visibilityState === 'visible' && id && (conversations.value[id]?.unreadCount ?? 0) > 0) scheduleRead(id);
      });
    }
    clock ??= setInterval(() => {
      now.value = Date.now();
      expireTyping();
    }, 15_000);
    void loadAgents();
  }

  let unauthorizedHandler: () => void = () => undefined;
  function onUnauthorizedDo(fn: () => void) {
    unauthorizedHandler = fn;
  }
  function onUnauthorized() {
    disconnect();
    unauthorizedHandler();
  }

  function disconnect() {
    const s = socket.value;
    socket.value = null;
    s?.removeAllListeners();
    s?.disconnect();
    connection.value = 'idle';
    everConnected.value = false;
    if (clock) clearInterval(clock);
    clock = undefined;
  }

  /** Drops everything (logout). */
  function reset() {
    disconnect();
    conversations.value = {};
    listIds.value = [];
    threads.value = {};
    activeId.value = null;
    listLoaded.value = false;
    nextCursor.value = undefined;
    outbox.clear();
  }

  /** After a reconnect: refetch the list; fetch what the open thread missed. */
  async function resync() {
    const id = activeId.value;
    // Threads not open may have missed events while we were away: reload them when opened.
    for (const key of Object.keys(threads.value)) if (key !== id) delete threads.value[key];
    const jobs: Promise<unknown>[] = [loadConversations(true)];
    if (id && threads.value[id]) jobs.push(catchUp(id));
    else if (id) jobs.push(loadThread(id));
    await Promise.allSettled(jobs);
  }

  // ---- conversations ------------------------------------------------------------------

  function listPayload(cursor?: string) {
    const p: ClientRequests['load_conversations']['payload'] = { limit: LIST_PAGE };
    if (filters.status) p.status = filters.status;
    if (filters.platform) p.platform = filters.platform;
    if (filters.mine) p.assignedTo = 'me';
    if (filters.unread) p.unread = true;
    if (filters.search.trim()) p.search = filters.search.trim();
    if (cursor) p.cursor = cursor;
    return p;
  }

  async function loadConversations(reset: boolean) {
    if (!reset && (!nextCursor.value || listLoading.value)) return;
    const req = ++listRequest;
    listLoading.value = true;
    listError.value = null;
    try {
      const page = await request('load_conversations', listPayload(reset ? undefined : nextCursor.value));
      if (req !== listRequest) return;
      for (const c of page.items) conversations.value[c.id] = c;
      const ids = page.items.map((c) => c.id);
      if (reset) listIds.value = ids;
      else listIds.value = [...listIds.value, ...ids.filter((id) => !listIds.value.includes(id))];
      nextCursor.value = page.nextCursor ?? undefined;
      listLoaded.value = true;
    } catch (err) {
      if (req === listRequest) listError.value = (err as Error).message;
    } finally {
      if (req === listRequest) listLoading.value = false;
    }
  }

  function upsertConversation(c: Conversation, fromEvent = false) {
    if (!c?.id) return;
    const prev = conversations.value[c.id];
    conversations.value[c.id] = { ...prev, ...c };
    const inList = listIds.value.includes(c.id);
    if (!inList && matches(c) && (!fromEvent || !filters.search.trim())) listIds.value = [...listIds.value, c.id];
    if (fromEvent && c.id === activeId.value && c.unreadCount > 0 && pageVisible()) scheduleRead(c.id);
  }

  async function fetchConversation(id: string) {
    const c = await api<Conversation>('GET', `/api/conversations/${encodeURIComponent(id)}`);
    upsertConversation(c);
    return c;
  }

  async function patchConversation(id: string, patch: ConversationPatch) {
    const c = await api<Conversation>('PATCH', `/api/conversations/${encodeURIComponent(id)}`, patch);
    upsertConversation(c);
    return c;
  }

  async function setBot(id: string, botEnabled: boolean) {
    const prev = conversations.value[id]?.botEnabled;
    if (conversations.value[id]) conversations.value[id].botEnabled = botEnabled;
    try {
      const c = await request('update_chat_settings', { conversationId: id, botEnabled });
      if (c) upsertConversation(c);
    } catch (err) {
      if (conversations.value[id] && prev !== undefined) conversations.value[id].botEnabled = prev;
      throw err;
    }
  }

  function pageVisible() {
    return typeof document === 'undefined' || document.visibilityState === 'visible';
  }

  function scheduleRead(id: string) {
    if (readTimer) clearTimeout(readTimer);
    readTimer = setTimeout(() => void markAsRead(id), 150);
  }

  async function markAsRead(id: string) {
    const c = conversations.value[id];
    if (c) c.unreadCount = 0;
    try {
      const updated = await request('mark_as_read', { conversationId: id });
      if (updated?.id) conversations.value[updated.id] = { ...conversations.value[updated.id], ...updated };
    } catch { /* the next update will tell */ }
  }

  // ---- messages -----------------------------------------------------------------------

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
      const t = typing.value[m.conversationId];
      if (t) typing.value[m.conversationId] = {};
      if (m.conversationId === activeId.value && pageVisible()) scheduleRead(m.conversationId);
    }
  }

  async function loadThread(id: string) {
    const t = thread(id);
    t.loading = true;
    t.error = undefined;
    try {
      const page = await request('load_messages', { conversationId: id, limit: MESSAGE_PAGE });
      const local = t.messages.filter((m) => m.local);
      t.messages = [];
      merge(id, [...local, ...page.items]);
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
    } catch (err) {
      lastError.value = (err as Error).message;
    } finally {
      t.loadingOlder = false;
    }
  }

  async function open(id: string | null) {
    activeId.value = id;
    if (!id) return;
    if (!conversations.value[id]) {
      try {
        await fetchConversation(id);
      } catch (err) {
        thread(id).error = (err as Error).message;
        return;
      }
    }
    if (threads.value[id]?.messages.length) await catchUp(id).catch(() => undefined);
    else await loadThread(id);
    if ((conversations.value[id]?.unreadCount ?? 0) > 0) void markAsRead(id);
  }

  function send(conversationId: string, content: string, files: UploadedFile[] = []) {
    const text = content.trim();
    if (!text && !files.length) return;
    const clientMessageId = uuid();
    const conv = conversations.value[conversationId];
    // Shown as file chips ('local') until the server's message replaces the bubble.
    const attachments: Attachment[] = files.map((f) => ({ id: f.id, kind: f.kind, fileName: f.fileName, fileSize: f.fileSize, fileType: f.fileType, status: 'local' }));
    const optimistic: ChatMessage = {
      id: `local:${clientMessageId}`,
      conversationId,
      senderId: me.value,
      senderType: 'agent',
      content: text,
      messageType: (attachments[0]?.kind ?? 'text') as ChatMessage['messageType'],
      ...(attachments.length ? { metadata: { attachments } } : {}),
      // Unknown until the conversation is loaded; the server's message replaces the bubble.
      platform: (conv?.platform ?? '') as Platform,
      timestamp: new Date().toISOString(),
      status: 'pending',
      clientMessageId,
      seq: LOCAL_SEQ,
      local: true,
    };
    const t = thread(conversationId);
    t.messages = [...t.messages, optimistic];
    outbox.set(clientMessageId, { conversationId, content: text, attachmentIds: files.map((f) => f.id), sending: false, queued: true });
    if (socket.value?.connected) void transmit(clientMessageId);
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
      const payload: ClientRequests['send_message']['payload'] = { conversationId: out.conversationId, content: out.content, clientMessageId };
      if (out.attachmentIds.length) payload.attachmentIds = out.attachmentIds;
      const m = await request('send_message', payload);
      outbox.delete(clientMessageId);
      merge(out.conversationId, [m]);
    } catch (err) {
      out.sending = false;
      const e = err as ApiError;
      if (e.code === 'timeout' || e.code === 'offline') {
        // Retried with the same clientMessageId when the socket is back: the server dedupes.
        out.queued = !socket.value?.connected;
        setLocal(clientMessageId, out.queued ? { status: 'pending' } : { status: 'failed', error: 'Not confirmed by the hub' });
      } else {
        setLocal(clientMessageId, { status: 'failed', error: e.code === 'window_closed' ? `${e.message || 'The 24-hour window is closed'}` : e.message });
      }
      throw err;
    }
  }

  function flushOutbox() {
    for (const [id, out] of outbox) if (out.queued && !out.sending) transmit(id).catch(() => undefined);
  }

  async function retry(m: ChatMessage) {
    if (m.local && m.clientMessageId) {
      await transmit(m.clientMessageId);
      return;
    }
    const res = await api<ChatMessage | { message?: ChatMessage }>('POST', `/api/messages/${encodeURIComponent(m.id)}/retry`);
    const updated = (res as { message?: ChatMessage })?.message ?? (res as ChatMessage);
    if (updated?.id) merge(updated.conversationId ?? m.conversationId, [updated]);
    else merge(m.conversationId, [{ ...m, status: 'pending', error: undefined }]);
  }

  function discardLocal(m: ChatMessage) {
    if (!m.local || !m.clientMessageId) return;
    outbox.delete(m.clientMessageId);
    const t = threads.value[m.conversationId];
    if (t) t.messages = t.messages.filter((x) => x.id !== m.id);
  }

  // ---- typing, prospects, agents --------------------------------------------------------

  function onTyping(ev: { conversationId: string; userId: string; name: string; isTyping: boolean }) {
    if (!ev?.conversationId || ev.userId === me.value) return;
    const cur = { ...(typing.value[ev.conversationId] ?? {}) };
    if (ev.isTyping) cur[ev.userId] = { name: ev.name || 'Someone', until: Date.now() + 6000 };
    else delete cur[ev.userId];
    typing.value[ev.conversationId] = cur;
    setTimeout(expireTyping, 6500);
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
    const s = socket.value;
    if (!s?.connected) return;
    if (isTyping) {
      if (Date.now() - typingSentAt > 3000) {
        typingSentAt = Date.now();
        s.volatile.emit('typing', { conversationId, isTyping: true }, () => undefined);
      }
      if (typingStop) clearTimeout(typingStop);
      typingStop = setTimeout(() => sendTyping(conversationId, false), 4000);
    } else {
      if (typingStop) clearTimeout(typingStop);
      if (!typingSentAt) return;
      typingSentAt = 0;
      s.volatile.emit('typing', { conversationId, isTyping: false }, () => undefined);
    }
  }

  function upsertProspect(p: Prospect) {
    if (!p?.id) return;
    prospects.value[p.id] = p;
    for (const c of Object.values(conversations.value)) {
      if (c.prospectId !== p.id) continue;
      c.prospect = { ...(c.prospect ?? { identifier: p.identifier }), name: p.name, identifier: p.identifier, avatar: p.avatar };
      if (p.clientId) {
        c.clientId = p.clientId;
        c.isClientConverted = true;
      }
    }
  }

  async function loadProspect(c: Conversation): Promise<Prospect | undefined> {
    if (prospects.value[c.prospectId]) return prospects.value[c.prospectId];
    const search = c.prospect?.identifier ?? c.prospect?.name;
    try {
      const page = await request('load_prospects', search ? { search } : {});
      for (const p of page.items) prospects.value[p.id] = p;
    } catch { /* fall back to what the conversation carries */ }
    return prospects.value[c.prospectId];
  }

  async function loadAgents() {
    try {
      agents.value = await api<Agent[]>('GET', '/api/agents');
    } catch {
      agents.value = auth.user ? [{ id: auth.user.id, name: auth.user.name, role: auth.user.role }] : [];
    }
  }

  const agentName = (id?: string | null) => {
    if (!id) return '';
    if (id === me.value) return 'You';
    return agents.value.find((a) => a.id === id)?.name ?? 'Agent';
  };

  return {
    socket, connection, everConnected, lastError, conversations, listIds, nextCursor, listLoading, listLoaded, listError,
    filters, threads, activeId, typing, prospects, agents, presence, channelEvents, now, me,
    list, active, activeThread, unreadTotal,
    request, connect, disconnect, reset, onUnauthorized: onUnauthorizedDo, resync,
    loadConversations, upsertConversation, fetchConversation, patchConversation, setBot, markAsRead,
    loadThread, catchUp, loadOlder, open, send, retry, discardLocal, merge,
    typingNames, sendTyping, upsertProspect, loadProspect, loadAgents, agentName,
  };
});
