import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { ServerEvents } from '../../../contract/socket';
import { hubSocket } from '../api/socket';
import type { Channel } from '../api/types';
import { useAuthStore } from './auth';
import { useConversationsStore } from './conversations';
import { useCrmStore } from './crm';
import { useNotificationsStore } from './notifications';
import { useThreadsStore } from './threads';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting';

const PING_EVERY_MS = 4000;
const PING_TIMEOUT_MS = 3000;

const asArray = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/**
 * The live connection: connecting, reconnecting and catching up afterwards, and routing each
 * server event (contract/socket.ts `ServerEvents`) to the store it concerns.
 */
export const useSocketStore = defineStore('socket', () => {
  const auth = useAuthStore();
  const convs = useConversationsStore();
  const threads = useThreadsStore();
  const crm = useCrmStore();
  const notes = useNotificationsStore();
  const connection = ref<ConnectionState>('idle');
  const everConnected = ref(false);
  const presence = ref<Record<string, string>>({});
  /** The last `channel_updated` (admins): the channels tab merges it into its list. */
  const channelEvents = ref<Channel | null>(null);
  /** The hub stopped answering its health check (also while the socket still looks open). */
  const unreachable = ref(false);
  let pinger: ReturnType<typeof setInterval> | undefined;
  let missed = 0;
  let presenceHooked = false;
  let clock: ReturnType<typeof setInterval> | undefined;
  let unauthorizedHandler: () => void = () => undefined;

  /** Where each server event goes: the registry a new event is added to. */
  const routes: ServerEvents = {
    new_message: (m) => threads.onMessage(m, true),
    message_updated: (m) => threads.onMessage(m, false),
    conversation_updated: (c) => asArray(c).forEach((x) => convs.upsertConversation(x, true)),
    prospect_updated: (p) => crm.upsertProspect(p),
    typing: (ev) => threads.onTyping(ev),
    presence: (ev) => void (presence.value = { ...presence.value, [ev.userId]: ev.status }),
    channel_updated: (ch) => void (channelEvents.value = ch),
    notification: (n) => notes.onNotification(n),
  };

  function connect() {
    if (hubSocket.current || !auth.token) return;
    connection.value = 'connecting';
    const s = hubSocket.open(() => auth.token);

    s.on('connect', () => {
      const resumed = everConnected.value;
      connection.value = 'connected';
      everConnected.value = true;
      if (resumed) void resync();
      else if (!convs.listLoaded) void convs.loadConversations(true);
      // Also after a reconnect: what was notified meanwhile.
      void notes.load().catch(() => undefined);
      threads.flushOutbox();
    });
    s.on('disconnect', (reason) => {
      if (reason === 'io client disconnect') {
        connection.value = 'idle';
        return;
      }
      connection.value = 'reconnecting';
      // The server dropped us on purpose (e.g. a restart): socket.io won't retry by itself.
      if (reason === 'io server disconnect') setTimeout(() => hubSocket.current === s && !s.connected && s.connect(), 1000);
    });
    s.on('connect_error', (err: Error & { data?: { code?: string } }) => {
      if (err.message === 'unauthorized' || err.data?.code === 'unauthorized') {
        disconnect();
        unauthorizedHandler();
        return;
      }
      connection.value = everConnected.value ? 'reconnecting' : 'connecting';
      // Middleware errors are not retried by the client; transport errors are.
      if (!s.active) setTimeout(() => hubSocket.current === s && !s.connected && s.connect(), 2000);
    });
    for (const [event, handler] of Object.entries(routes)) s.on(event as keyof ServerEvents, handler as never);

    if (typeof document !== 'undefined' && !presenceHooked) {
      presenceHooked = true;
      document.addEventListener('visibilitychange', () => {
        const sock = hubSocket.current;
        if (!sock?.connected) return;
        const visible = document.visibilityState === 'visible';
        sock.emit('set_presence', visible ? 'online' : 'away');
        if (visible) convs.onVisible();
      });
    }
    clock ??= setInterval(() => threads.expireTyping(), 15_000);
    pinger ??= setInterval(() => void ping(), PING_EVERY_MS);
    void convs.loadAgents();
    if (auth.user) notes.forUser(auth.user.id);
  }

  /** Every few seconds `GET /healthz`; two misses in a row (no answer in time) raise the banner, one answer lowers it. */
  async function ping() {
    try {
      const res = await fetch('/healthz', { cache: 'no-store', signal: AbortSignal.timeout(PING_TIMEOUT_MS) });
      if (!res.ok) throw new Error(String(res.status));
      missed = 0;
      unreachable.value = false;
    } catch {
      if (++missed >= 2) unreachable.value = true;
    }
  }

  function disconnect() {
    if (pinger) clearInterval(pinger);
    pinger = undefined;
    missed = 0;
    unreachable.value = false;
    hubSocket.close();
    connection.value = 'idle';
    everConnected.value = false;
    if (clock) clearInterval(clock);
    clock = undefined;
  }

  /** After a reconnect: refetch the list; fetch what the open thread missed. */
  async function resync() {
    await Promise.allSettled([convs.loadConversations(true), threads.resync()]);
  }

  /** Drops everything (logout). */
  function reset() {
    disconnect();
    convs.reset();
    threads.reset();
    crm.reset();
    notes.reset();
  }

  return {
    connection, everConnected, presence, channelEvents, unreachable,
    connect, disconnect, reset, resync, onUnauthorized: (fn: () => void) => void (unauthorizedHandler = fn),
  };
});
