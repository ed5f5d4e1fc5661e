import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import { api } from '../api/http';
import type { Agent, Conversation, ConversationPatch, ConversationStatus, Page, Platform } from '../api/types';
import { useAuthStore } from './auth';

export interface Filters {
  status: ConversationStatus | '';
  platform: Platform | '';
  unread: boolean;
  mine: boolean;
  search: string;
}

const LIST_PAGE = 30;
const path = (id: string, rest = '') => `/api/conversations/${encodeURIComponent(id)}${rest}`;

export const pageVisible = () => typeof document === 'undefined' || document.visibilityState === 'visible';

/**
 * The conversation list, its filters and counts, the open conversation, and who can be
 * assigned. Requests over REST (`/api/conversations`, `/api/agents`); live changes arrive
 * as `conversation_updated` through the socket store.
 */
export const useConversationsStore = defineStore('conversations', () => {
  const auth = useAuthStore();
  const conversations = ref<Record<string, Conversation>>({});
  const listIds = ref<string[]>([]);
  const nextCursor = ref<string | undefined>();
  const listLoading = ref(false);
  const listLoaded = ref(false);
  const listError = ref<string | null>(null);
  const filters = reactive<Filters>({ status: 'active', platform: '', unread: false, mine: false, search: '' });
  const activeId = ref<string | null>(null);
  const agents = ref<Agent[]>([]);
  let listRequest = 0;
  /** Bot switches flipped on screen and not yet answered: an event sent before the change must not flip them back. */
  const botChanging = new Map<string, boolean>();
  let readTimer: ReturnType<typeof setTimeout> | undefined;

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
  const unreadTotal = computed(() => Object.values(conversations.value).reduce((n, c) => n + (c.unreadCount > 0 ? 1 : 0), 0));

  function listQuery(cursor?: string): string {
    const q = new URLSearchParams({ limit: String(LIST_PAGE) });
    if (filters.status) q.set('status', filters.status);
    if (filters.platform) q.set('platform', filters.platform);
    if (filters.mine) q.set('assignedTo', 'me');
    if (filters.unread) q.set('unread', 'true');
    if (filters.search.trim()) q.set('search', filters.search.trim());
    if (cursor) q.set('cursor', cursor);
    return q.toString();
  }

  async function loadConversations(reset: boolean) {
    if (!reset && (!nextCursor.value || listLoading.value)) return;
    const req = ++listRequest;
    listLoading.value = true;
    listError.value = null;
    try {
      const page = await api<Page<Conversation>>('GET', `/api/conversations?${listQuery(reset ? undefined : nextCursor.value)}`);
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
    const bot = botChanging.get(c.id);
    conversations.value[c.id] = { ...conversations.value[c.id], ...c, ...(bot === undefined ? {} : { botEnabled: bot }) };
    const inList = listIds.value.includes(c.id);
    if (!inList && matches(c) && (!fromEvent || !filters.search.trim())) listIds.value = [...listIds.value, c.id];
    if (fromEvent && c.id === activeId.value && c.unreadCount > 0 && pageVisible()) scheduleRead(c.id);
  }

  async function fetchConversation(id: string) {
    const c = await api<Conversation>('GET', path(id));
    upsertConversation(c);
    return c;
  }

  async function patchConversation(id: string, patch: ConversationPatch) {
    const c = await api<Conversation>('PATCH', path(id), patch);
    upsertConversation(c);
    return c;
  }

  /** Flipped on screen at once, and back if the hub refuses. */
  async function setBot(id: string, botEnabled: boolean) {
    const prev = conversations.value[id]?.botEnabled;
    if (conversations.value[id]) conversations.value[id].botEnabled = botEnabled;
    botChanging.set(id, botEnabled);
    try {
      await patchConversation(id, { botEnabled });
    } catch (err) {
      if (conversations.value[id] && prev !== undefined) conversations.value[id].botEnabled = prev;
      throw err;
    } finally {
      if (botChanging.get(id) === botEnabled) botChanging.delete(id);
    }
  }

  function scheduleRead(id: string) {
    if (readTimer) clearTimeout(readTimer);
    readTimer = setTimeout(() => void markAsRead(id), 150);
  }

  async function markAsRead(id: string) {
    const c = conversations.value[id];
    if (c) c.unreadCount = 0;
    try {
      const updated = await api<Conversation>('POST', path(id, '/read'));
      if (updated?.id) conversations.value[updated.id] = { ...conversations.value[updated.id], ...updated };
    } catch { /* the next update will tell */ }
  }

  /** Opening the tab again: what arrived in the open conversation meanwhile is now read. */
  function onVisible() {
    const id = activeId.value;
    if (id && (conversations.value[id]?.unreadCount ?? 0) > 0) scheduleRead(id);
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

  function reset() {
    conversations.value = {};
    listIds.value = [];
    activeId.value = null;
    listLoaded.value = false;
    nextCursor.value = undefined;
  }

  return {
    conversations, listIds, nextCursor, listLoading, listLoaded, listError, filters, activeId, agents, me,
    list, active, unreadTotal,
    loadConversations, upsertConversation, fetchConversation, patchConversation, setBot, scheduleRead, markAsRead, onVisible,
    loadAgents, agentName, reset,
  };
});
