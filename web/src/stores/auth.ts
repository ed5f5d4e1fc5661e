import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { api, session } from '../api/http';
import type { Session, User } from '../api/types';

const USER_KEY = 'hub.user';

function cachedUser(): User | null {
  try {
    const raw = localStorage.getItem(USER_KEY);
    return raw ? (JSON.parse(raw) as User) : null;
  } catch {
    return null;
  }
}

export const useAuthStore = defineStore('auth', () => {
  const token = ref<string | null>(session.token);
  const user = ref<User | null>(token.value ? cachedUser() : null);
  const verified = ref(false);

  const isAuthenticated = computed(() => Boolean(token.value));
  const isAdmin = computed(() => user.value?.role === 'admin' || user.value?.role === 'owner');

  function setSession(t: string, u: User) {
    token.value = t;
    user.value = u;
    session.token = t;
    try { localStorage.setItem(USER_KEY, JSON.stringify(u)); } catch { /* ignore */ }
    verified.value = true;
  }

  /** `organizationId` when the hub answered organization_required (one email in several organizations). */
  async function login(email: string, password: string, organizationId?: string) {
    const res = await api<Session>('POST', '/api/auth/login', { email, password, organizationId }, { auth: false });
    setSession(res.token, res.user);
    return res.user;
  }

  /** Every older token of this user stops working; this tab goes on with the new one. */
  async function changePassword(currentPassword: string, newPassword: string) {
    const res = await api<Session>('POST', '/api/me/password', { currentPassword, newPassword });
    setSession(res.token, res.user);
  }

  async function acceptInvite(token: string, password: string, name?: string) {
    const res = await api<Session>('POST', '/api/auth/invites/accept', { token, password, name }, { auth: false });
    setSession(res.token, res.user);
    return res.user;
  }

  /** Checks the stored token once per page load (GET /api/me). */
  async function verify(): Promise<boolean> {
    if (!token.value) return false;
    if (verified.value) return true;
    try {
      const me = await api<User>('GET', '/api/me');
      setSession(token.value, me);
      return true;
    } catch (err) {
      // Offline or the hub restarting: keep the session, the socket will retry.
      return Boolean(token.value) && (err as { status?: number }).status !== 401;
    }
  }

  function logout() {
    token.value = null;
    user.value = null;
    verified.value = false;
    session.token = null;
    try { localStorage.removeItem(USER_KEY); } catch { /* ignore */ }
  }

  return { token, user, isAuthenticated, isAdmin, login, changePassword, acceptInvite, verify, logout };
});
