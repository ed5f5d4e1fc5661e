/**
 * The chat in the widget's frame (served by the hub at /widget/frame): plain DOM, message text
 * always set as text. Live over the `/widget` namespace (WebSocket only); when that cannot
 * connect, the same REST endpoints with polling. A reconnect fetches what was missed.
 */
import { io, type Socket } from 'socket.io-client';
import type { ChatMessage } from '../../contract/wire.js';
import type { AckReply } from '../../contract/socket.js';
import type { VisitorMessagePage, VisitorUpload, WidgetConfig, WidgetSession, WidgetClientEvents, WidgetServerEvents } from '../../contract/widget.js';
import './widget.css';

type Shown = ChatMessage & { sending?: boolean; failed?: boolean };
type Context = { settings: { identifier?: string; identifierHash?: string; name?: string; email?: string }; page: Record<string, string | undefined>; dir: string; lang: string; open: boolean; visitorToken?: string };

const POLL_MS = 2500;
/** A socket not connected by then: REST polling until it is. */
const SOCKET_GRACE_MS = 3000;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const log = $<HTMLDivElement>('log');
const input = $<HTMLTextAreaElement>('input');
const composer = $<HTMLFormElement>('composer');
const prechat = $<HTMLFormElement>('prechat');
const fileInput = $<HTMLInputElement>('file');
const errorBox = $<HTMLParagraphElement>('error');
const typingLine = $<HTMLParagraphElement>('typing');

const websiteToken = new URLSearchParams(location.search).get('websiteToken') ?? '';
const storageKey = `hub-chat:${websiteToken}`;
const messages = new Map<string, Shown>();
let parentOrigin: string | undefined;
let session: WidgetSession | undefined;
let socket: Socket<WidgetServerEvents, WidgetClientEvents> | undefined;
let pollTimer: number | undefined;
let open = false;
let unread = 0;
let typingTimer: number | undefined;
let typedAt = 0;
let config: WidgetConfig | undefined;

const toParent = (message: Record<string, unknown>) => parentOrigin && window.parent.postMessage({ source: 'hub-chat', ...message }, parentOrigin);

function showError(text: string | undefined) {
  errorBox.hidden = !text;
  errorBox.textContent = text ?? '';
}

async function api<T>(method: string, path: string, body?: unknown, form?: FormData): Promise<T> {
  const res = await fetch(path, {
    method,
    headers: { ...(session ? { authorization: `Bearer ${session.visitorToken}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: form ?? (body !== undefined ? JSON.stringify(body) : undefined),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(data?.error?.message ?? `HTTP ${res.status}`), { status: res.status });
  return data as T;
}

// ---- rendering ----

function bubble(m: Shown): HTMLElement {
  const el = document.createElement('div');
  const mine = m.senderType === 'prospect';
  el.className = `msg${mine ? ' mine' : ''}`;
  el.dataset.testid = 'widget-message';
  el.dataset.id = m.id;
  el.dataset.sender = m.senderType;
  if (m.content) el.append(document.createTextNode(m.content));
  for (const a of m.metadata?.attachments ?? []) {
    if (!a.url) continue;
    if (a.kind === 'image') {
      const img = document.createElement('img');
      img.src = a.url;
      img.alt = a.fileName ?? 'image';
      el.append(img);
    } else {
      const link = document.createElement('a');
      link.href = a.url;
      link.download = a.fileName ?? 'file';
      link.textContent = `⬇ ${a.fileName ?? 'file'}`;
      el.append(document.createElement('br'), link);
    }
  }
  const meta = document.createElement('span');
  meta.className = 'meta';
  const time = new Date(m.timestamp).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  meta.textContent = mine ? `${time} · ${m.failed ? 'Not sent — tap to retry' : m.sending ? 'Sending…' : 'Sent'}` : `${m.senderType === 'bot' ? 'Bot' : 'Agent'} · ${time}`;
  el.append(meta);
  if (m.failed) {
    el.tabIndex = 0;
    el.setAttribute('role', 'button');
    el.addEventListener('click', () => send(m.content, m.clientMessageId));
  }
  return el;
}

function render() {
  const list = [...messages.values()].sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.seq - b.seq);
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  const nodes: HTMLElement[] = [];
  if (config?.welcomeMessage) {
    const w = document.createElement('div');
    w.className = 'msg welcome';
    w.textContent = config.welcomeMessage;
    nodes.push(w);
  }
  nodes.push(...list.map(bubble));
  log.replaceChildren(...nodes);
  if (atBottom || list.at(-1)?.senderType === 'prospect') log.scrollTop = log.scrollHeight;
  // Quick-start prompts until the visitor has written.
  const prompts = $<HTMLDivElement>('prompts');
  if (list.some((m) => m.senderType === 'prospect') || !config) prompts.replaceChildren();
  else if (!prompts.childElementCount) {
    prompts.replaceChildren(...config.prompts.map((p) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = p;
      b.dataset.testid = 'widget-prompt';
      b.addEventListener('click', () => send(p));
      return b;
    }));
  }
}

/** Adds or replaces messages (an optimistic one by its clientMessageId). */
function merge(items: ChatMessage[]) {
  let fresh = 0;
  for (const m of items) {
    if (m.clientMessageId) {
      for (const [id, old] of messages) if (old.sending !== undefined && old.clientMessageId === m.clientMessageId) messages.delete(id);
    }
    if (!messages.has(m.id) && m.senderType !== 'prospect') fresh++;
    messages.set(m.id, m);
  }
  render();
  if (fresh && !(open && document.visibilityState === 'visible')) {
    unread += fresh;
    toParent({ type: 'unread', count: unread });
  }
  if (fresh) markRead();
}

function markRead() {
  if (!open || document.visibilityState !== 'visible' || !session) return;
  unread = 0;
  toParent({ type: 'unread', count: 0 });
  // The replies shown and not yet read: one whose sending the hub is still recording counts too.
  const shown = [...messages.values()].filter((m) => m.senderType !== 'prospect' && m.sending === undefined && m.status !== 'read').map((m) => m.id).slice(-200);
  if (socket?.connected) socket.emit('mark_as_read', { shown }, () => undefined);
  else api('POST', '/widget/v1/read', { shown }).catch(() => undefined);
}

// ---- sending ----

function uuid(): string {
  return crypto.randomUUID?.() ?? `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

async function send(content: string, clientMessageId = uuid(), attachmentIds?: string[], label?: Partial<ChatMessage>) {
  if (!session || (!content.trim() && !attachmentIds?.length)) return;
  const temp: Shown = {
    id: `tmp-${clientMessageId}`, conversationId: '', senderId: '', senderType: 'prospect', content, messageType: 'text', platform: 'web',
    timestamp: new Date().toISOString(), status: 'pending', clientMessageId, seq: Number.MAX_SAFE_INTEGER, sending: true, ...label,
  };
  messages.delete(temp.id);
  messages.set(temp.id, temp);
  render();
  const body = { content, clientMessageId, attachmentIds };
  try {
    const stored = socket?.connected
      ? await new Promise<ChatMessage>((resolve, reject) =>
          socket!.timeout(15_000).emit('send_message', body, (err: unknown, reply: AckReply<ChatMessage>) =>
            err ? reject(err) : reply.ok ? resolve(reply.data) : reject(new Error(reply.error.message))))
      : await api<ChatMessage>('POST', '/widget/v1/messages', body);
    merge([stored]);
  } catch (err) {
    messages.set(temp.id, { ...temp, sending: false, failed: true });
    render();
    showError((err as Error).message);
  }
}

composer.addEventListener('submit', (e) => {
  e.preventDefault();
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  void send(text);
  stopTyping();
});
input.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    composer.requestSubmit();
  }
});
input.addEventListener('input', () => {
  if (!socket?.connected) return;
  if (Date.now() - typedAt > 1500) {
    typedAt = Date.now();
    socket.emit('typing', { isTyping: true }, () => undefined);
  }
  clearTimeout(typingTimer);
  typingTimer = window.setTimeout(stopTyping, 3000);
});
function stopTyping() {
  clearTimeout(typingTimer);
  if (typedAt && socket?.connected) socket.emit('typing', { isTyping: false }, () => undefined);
  typedAt = 0;
}

fileInput.addEventListener('change', async () => {
  const file = fileInput.files?.[0];
  fileInput.value = '';
  if (!file || !session) return;
  const form = new FormData();
  form.append('file', file);
  try {
    showError(undefined);
    const upload = await api<VisitorUpload>('POST', '/widget/v1/uploads', undefined, form);
    await send(input.value.trim(), uuid(), [upload.id]);
    input.value = '';
  } catch (err) {
    showError(`${file.name}: ${(err as Error).message}`);
  }
});

// ---- connection ----

async function catchUp() {
  const page = socket?.connected
    ? await new Promise<VisitorMessagePage>((resolve, reject) =>
        socket!.timeout(10_000).emit('load_messages', {}, (err: unknown, reply: AckReply<VisitorMessagePage>) =>
          err ? reject(err) : reply.ok ? resolve(reply.data) : reject(new Error(reply.error.message))))
    : await api<VisitorMessagePage>('GET', '/widget/v1/messages');
  merge(page.items);
}

function startPolling() {
  if (pollTimer !== undefined) return;
  $('chat').dataset.transport = 'polling';
  const tick = () => catchUp().catch(() => undefined);
  void tick();
  pollTimer = window.setInterval(tick, POLL_MS);
}
function stopPolling() {
  clearInterval(pollTimer);
  pollTimer = undefined;
}

function connect() {
  socket = io('/widget', { auth: { visitorToken: session!.visitorToken }, transports: ['websocket'], reconnectionDelayMax: 10_000 });
  const grace = window.setTimeout(() => socket?.connected || startPolling(), SOCKET_GRACE_MS);
  socket.on('connect', () => {
    clearTimeout(grace);
    stopPolling();
    $('chat').dataset.transport = 'websocket';
    catchUp().catch(() => undefined);
  });
  socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
    if (err.data?.code === 'unauthorized' || err.data?.code === 'forbidden') {
      socket?.disconnect();
      showError('This chat is not available here.');
      return;
    }
    startPolling();
  });
  socket.on('disconnect', () => startPolling());
  socket.on('new_message', (m, ack) => {
    if (typeof ack === 'function') ack(true);
    if (m.senderType !== 'prospect') typingLine.textContent = '';
    merge([m]);
  });
  socket.on('message_updated', (m) => {
    if (messages.has(m.id)) merge([m]);
  });
  socket.on('typing', ({ isTyping, name }) => {
    typingLine.textContent = isTyping ? `${name || 'Someone'} is typing…` : '';
    clearTimeout(typingTimer);
    if (isTyping) typingTimer = window.setTimeout(() => (typingLine.textContent = ''), 6000);
  });
}


/**
 * The visitor token's home: the frame's own storage, or memory where the browser denies an
 * embedded frame its storage (blocked third-party data), so the chat still works for the visit.
 */
const visitorStore = (() => {
  const memory = new Map<string, string>();
  return {
    get(key: string): string | null {
      try { return localStorage.getItem(key); } catch { return memory.get(key) ?? null; }
    },
    set(key: string, value: string) {
      memory.set(key, value);
      // The embedding page keeps a copy in its own storage (the loader), which no browser denies it.
      toParent({ type: 'visitor', visitorToken: value });
      try { localStorage.setItem(key, value); } catch { /* kept in memory and by the page */ }
    },
    seed(key: string, value: string | undefined) {
      if (value && !this.get(key)) memory.set(key, value);
    },
  };
})();

async function startSession(ctx: Context, extra: { name?: string; email?: string } = {}) {
  const stored = visitorStore.get(storageKey) ?? undefined;
  const { identifier, identifierHash, name, email } = ctx.settings;
  session = await api<WidgetSession>('POST', '/widget/v1/sessions', {
    websiteToken, visitorToken: stored, identifier, identifierHash, name: extra.name ?? name, email: extra.email ?? email, page: ctx.page,
  });
  visitorStore.set(storageKey, session.visitorToken);
}

let context: Context | undefined;
let starting: Promise<void> | undefined;
let configLoaded: Promise<WidgetConfig> | undefined;

/** Shows the channel's look at once; the session starts when the visitor opens the chat (or at once for a returning one). */
async function start(ctx: Context) {
  context = ctx;
  document.documentElement.dir = ctx.dir === 'rtl' ? 'rtl' : 'ltr';
  document.documentElement.lang = ctx.lang || 'en';
  open = ctx.open;
  focusComposer();
  configLoaded = api<WidgetConfig>('GET', `/widget/v1/config?websiteToken=${encodeURIComponent(websiteToken)}`);
  config = await configLoaded;
  document.documentElement.style.setProperty('--accent', config.color);
  $('title').textContent = config.title;
  $('status').textContent = config.agentsOnline ? 'We typically reply in a few minutes' : 'We are away right now — leave a message and we will reply here';
  $('status').dataset.testid = config.agentsOnline ? 'widget-online' : 'widget-offline';
  render();
  // Nobody is created for a page view: only a visitor who opens the chat, or one who has talked before.
  if (open || visitorStore.get(storageKey)) await ensureSession();
}

function ensureSession(): Promise<void> {
  if (!context) return Promise.resolve();
  starting ??= begin(context);
  return starting;
}

async function begin(ctx: Context) {
  try {
    await configLoaded;
    await startSession(ctx);
  } catch (err) {
    composer.hidden = true;
    showError((err as { status?: number }).status === 401 ? 'Please sign in to chat with us.' : 'The chat could not start. Please try again later.');
    return;
  }
  if (config?.preChatForm && !session!.visitor.name) {
    composer.hidden = true;
    prechat.hidden = false;
    prechat.addEventListener('submit', async (e) => {
      e.preventDefault();
      const data = new FormData(prechat);
      await startSession(ctx, { name: String(data.get('name') ?? '') || undefined, email: String(data.get('email') ?? '') || undefined });
      prechat.hidden = true;
      composer.hidden = false;
      input.focus();
    }, { once: true });
  }
  connect();
}

window.addEventListener('message', (e) => {
  // Only the page that embeds us; frame-ancestors already limits which pages those are.
  if (e.source !== window.parent || e.data?.source !== 'hub-chat') return;
  if (parentOrigin && e.origin !== parentOrigin) return;
  if (e.data.type === 'context' && !parentOrigin) {
    parentOrigin = e.origin;
    visitorStore.seed(storageKey, typeof e.data.visitorToken === 'string' ? e.data.visitorToken : undefined);
    void start(e.data as Context);
  }
  if (e.data.type === 'open') {
    open = true;
    void ensureSession().then(markRead);
    input.focus();
  }
  if (e.data.type === 'close') open = false;
});
// The page hands the frame its focus when the chat opens (loader.ts); the composer takes it,
// whichever of that focus and the page's context arrives first.
function focusComposer() {
  if (open && document.hasFocus() && !composer.hidden) input.focus();
}
window.addEventListener('focus', focusComposer);
document.addEventListener('visibilitychange', markRead);
document.addEventListener('keydown', (e) => e.key === 'Escape' && toParent({ type: 'close' }));
$('close').addEventListener('click', () => toParent({ type: 'close' }));
// Ask the embedding page for its context; `location.ancestorOrigins` narrows it where browsers offer it.
window.parent.postMessage({ source: 'hub-chat', type: 'ready' }, location.ancestorOrigins?.[0] ?? '*');
