import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { api } from '../api/http';
import type { Notification as HubNotification, NotificationPage } from '../../../contract/wire';

/** Per-user toggles kept in this browser (the hub stores no display settings). */
const settingKey = (userId: string, name: string) => `hub.notify.${name}.${userId}`;
const readSetting = (key: string) => {
  try { return localStorage.getItem(key) === '1'; } catch { return false; }
};
const writeSetting = (key: string, on: boolean) => {
  try { localStorage.setItem(key, on ? '1' : '0'); } catch { /* private mode: for this tab only */ }
};

/** A short two-tone chime, made on the spot (no audio file to ship). */
function chime() {
  try {
    const ctx = new AudioContext();
    for (const [i, freq] of [880, 1320].entries()) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.08, ctx.currentTime + i * 0.12);
      gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + i * 0.12 + 0.25);
      osc.connect(gain).connect(ctx.destination);
      osc.start(ctx.currentTime + i * 0.12);
      osc.stop(ctx.currentTime + i * 0.12 + 0.3);
    }
    setTimeout(() => void ctx.close(), 800);
  } catch { /* no audio in this browser */ }
}

/**
 * The signed-in agent's notifications (`GET /api/notifications`, the `notification` event),
 * the unread total (the bell and the tab title), and the sound / browser-notification settings.
 */
export const useNotificationsStore = defineStore('notifications', () => {
  const items = ref<HubNotification[]>([]);
  const unread = ref(0);
  const nextCursor = ref<string | undefined>();
  const loading = ref(false);
  const userId = ref('');
  const sound = ref(false);
  const browser = ref(false);

  /** Reads this user's settings from this browser. */
  function forUser(id: string) {
    userId.value = id;
    sound.value = readSetting(settingKey(id, 'sound'));
    browser.value = readSetting(settingKey(id, 'browser')) && typeof Notification !== 'undefined' && Notification.permission === 'granted';
  }
  watch(sound, (on) => userId.value && writeSetting(settingKey(userId.value, 'sound'), on));
  watch(browser, (on) => userId.value && writeSetting(settingKey(userId.value, 'browser'), on));

  async function setBrowser(on: boolean) {
    if (on && typeof Notification !== 'undefined' && Notification.permission !== 'granted') {
      on = (await Notification.requestPermission()) === 'granted';
    }
    browser.value = on && typeof Notification !== 'undefined';
  }

  async function load(more = false) {
    loading.value = true;
    try {
      const q = more && nextCursor.value ? `?cursor=${encodeURIComponent(nextCursor.value)}` : '';
      const page = await api<NotificationPage>('GET', `/api/notifications${q}`);
      const known = new Set(page.items.map((n) => n.id));
      items.value = more ? [...items.value, ...page.items.filter((n) => !items.value.some((x) => x.id === n.id))] : [...page.items, ...items.value.filter((n) => !known.has(n.id) && !n.readAt)].slice(0, 200);
      nextCursor.value = page.nextCursor;
      unread.value = page.unreadCount;
    } finally {
      loading.value = false;
    }
  }

  /** A live `notification`: listed first, counted, and announced as the user chose. */
  function onNotification(n: HubNotification) {
    if (items.value.some((x) => x.id === n.id)) return;
    items.value = [n, ...items.value];
    if (!n.readAt) unread.value++;
    if (sound.value) chime();
    if (browser.value && typeof Notification !== 'undefined' && Notification.permission === 'granted' && document.visibilityState !== 'visible') {
      try { new Notification('Inbox hub', { body: n.text, tag: n.id }); } catch { /* some browsers only allow it from a service worker */ }
    }
  }

  async function markRead(n: HubNotification) {
    if (n.readAt) return;
    const read = await api<HubNotification>('POST', `/api/notifications/${encodeURIComponent(n.id)}/read`);
    items.value = items.value.map((x) => (x.id === n.id ? read : x));
    unread.value = Math.max(0, unread.value - 1);
  }

  async function markAllRead() {
    await api('POST', '/api/notifications/read-all');
    const at = new Date().toISOString();
    items.value = items.value.map((x) => (x.readAt ? x : { ...x, readAt: at }));
    unread.value = 0;
  }

  function reset() {
    items.value = [];
    unread.value = 0;
    nextCursor.value = undefined;
  }

  return { items, unread, nextCursor, loading, sound, browser, hasMore: computed(() => Boolean(nextCursor.value)), forUser, setBrowser, load, onNotification, markRead, markAllRead, reset };
});
