import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { router } from './router';
import { session } from './api/http';
import { useAuthStore } from './stores/auth';
import { useSocketStore } from './stores/socket';
import './styles/main.css';

const app = createApp(App);
const pinia = createPinia();
app.use(pinia);
app.use(router);

const auth = useAuthStore();
const live = useSocketStore();

/** Any 401 (REST) or refused socket handshake ends the session. */
function toLogin() {
  live.reset();
  auth.logout();
  const here = router.currentRoute.value;
  if (here.name !== 'login') void router.replace({ name: 'login', query: here.fullPath !== '/' ? { redirect: here.fullPath } : {} });
}
session.onUnauthorized(toLogin);
live.onUnauthorized(toLogin);

app.mount('#app');
