import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The website widget: its chat frame (index.html + app.ts, served at /widget/frame with assets
 * under /widget/assets/) and, with WIDGET_PART=loader, the loader served as /widget.js.
 */
const root = fileURLToPath(new URL('.', import.meta.url));
const outDir = fileURLToPath(new URL('../../dist/widget', import.meta.url));
const loader = process.env.WIDGET_PART === 'loader';

export default defineConfig({
  root,
  base: '/widget/',
  build: loader
    ? {
        outDir,
        emptyOutDir: false,
        target: 'es2019',
        sourcemap: false,
        lib: { entry: fileURLToPath(new URL('./loader.ts', import.meta.url)), formats: ['iife'], name: 'HubChatLoader', fileName: () => 'loader.js' },
      }
    : { outDir, emptyOutDir: true, target: 'es2020', sourcemap: false, assetsInlineLimit: 0 },
});
