/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

const root = fileURLToPath(new URL('.', import.meta.url));

// GRIDSAFE_UI_PAGES=office builds only the named pages (comma-separated),
// e.g. to try one page while the other is mid-change; default: both.
const pages = (process.env.GRIDSAFE_UI_PAGES ?? 'app,office').split(',').map((p) => p.trim());
const input = Object.fromEntries(
  ['app', 'office']
    .filter((p) => pages.includes(p))
    .map((p) => [p, fileURLToPath(new URL(`${p}/index.html`, import.meta.url))]),
);

// One Vite project, two pages: app/ (phone, Vant) and office/ (console, Element Plus).
// Output: dist/app/index.html, dist/office/index.html, dist/assets/...
export default defineConfig({
  root,
  base: '/',
  plugins: [vue()],
  define: {
    // vue-i18n esm-bundler feature flags (avoid runtime warnings, drop devtools hooks).
    __INTLIFY_PROD_DEVTOOLS__: 'false',
    __INTLIFY_DROP_MESSAGE_COMPILER__: 'false',
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Vite 8 bundles with Rolldown; `rolldownOptions` is the new name of `rollupOptions`.
    rolldownOptions: {
      input,
      output: {
        // Code used by both pages (Vue, vue-i18n, shared/) goes into one chunk
        // with a readable name; Vant and Element Plus stay in their own page.
        codeSplitting: {
          groups: [{ name: 'common', minShareCount: 2 }],
        },
      },
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['tests/**/*.test.ts'],
    server: {
      deps: {
        // Per-component style entries import .css, which Node cannot load:
        // let Vite process (and stub) them instead of externalizing.
        inline: [/vant\/es\/.+\/style\//, /element-plus\/es\/components\/.+\/style\//],
      },
    },
  },
});
