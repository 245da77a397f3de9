/**
 * The portal's build: a static single-page app written to dist/portal, which the api serves at `/`.
 * `vite` (dev server) proxies the api's own paths to a running api (WHARF_API_URL, default :8080)
 * so pages can be developed with hot reload against real data.
 */
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const apiUrl = process.env.WHARF_API_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root,
  base: '/',
  // JSX through Vite's own transform (no plugin needed); the automatic runtime matches tsconfig's react-jsx
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/portal', import.meta.url)),
    emptyOutDir: true,
    // the CSP is script-src 'self': never inline a module-preload polyfill or small scripts
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: true,
    // the entry chunk holds React, Mantine and the router (~590 KB raw, ~190 KB gzipped); the first-load
    // budget that matters is the gzipped one, printed by scripts/portal-sizes.js and asserted in test/portal
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      // Mantine marks its modules "use client" (for React Server Components); meaningless in a SPA bundle
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: {
    proxy: Object.fromEntries(['/api', '/c', '/v2', '/service'].map((path) => [path, { target: apiUrl, changeOrigin: false }])),
  },
});
