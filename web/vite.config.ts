import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

const root = fileURLToPath(new URL('.', import.meta.url));
const hub = process.env.HUB_URL ?? 'http://localhost:3000';

/** The agents' browser app: built into dist/web, served by the hub at `/`. */
export default defineConfig({
  root,
  base: '/',
  plugins: [vue()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    target: 'es2022',
    chunkSizeWarningLimit: 800,
  },
  server: {
    proxy: {
      '/api': hub,
      '/media': hub,
      '/webhooks': hub,
      '/healthz': hub,
      '/socket.io': { target: hub, ws: true },
    },
  },
});
