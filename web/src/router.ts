import { createRouter, createWebHistory } from 'vue-router';
import { useAuthStore } from './stores/auth';

export const router = createRouter({
  history: createWebHistory('/'),
  routes: [
    { path: '/', redirect: '/chat' },
    { path: '/login', name: 'login', component: () => import('./views/LoginView.vue'), meta: { public: true, title: 'Sign in' } },
    { path: '/chat/:conversationId?', name: 'chat', component: () => import('./views/ChatView.vue'), meta: { title: 'Inbox' } },
    { path: '/invite', name: 'invite', component: () => import('./views/InviteView.vue'), meta: { public: true, title: 'Join' } },
    { path: '/account', name: 'account', component: () => import('./views/AccountView.vue'), meta: { title: 'Account' } },
    { path: '/admin/:tab(channels|users|invites|audit|bot|canned|deliveries|account)?', name: 'admin', component: () => import('./views/AdminView.vue'), meta: { admin: true, title: 'Admin' } },
    { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('./views/NotFoundView.vue'), meta: { title: 'Not found' } },
  ],
});

router.beforeEach(async (to) => {
  const auth = useAuthStore();
  if (to.meta.public) {
    if (to.name === 'login' && auth.isAuthenticated && (await auth.verify())) return { path: (to.query.redirect as string) || '/chat' };
    return true;
  }
  if (!auth.isAuthenticated || !(await auth.verify())) {
    return { name: 'login', query: to.fullPath !== '/' && to.fullPath !== '/chat' ? { redirect: to.fullPath } : {} };
  }
  if (to.meta.admin && !auth.isAdmin) return { path: '/chat' };
  return true;
});

router.afterEach((to) => {
  document.title = `${(to.meta.title as string) ?? 'Inbox'} · Inbox hub`;
});
