// The console's build: `npm run build` runs it from the project's root after compiling the server
// (scripts/build.mjs), and the service serves the output, dist/console, at `/`. Vite 8 compiles TSX
// itself (oxc); there is no React plugin.
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'console',
  base: '/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: '../dist/console',
    emptyOutDir: true,
    // antd alone passes Vite's 500 kB warning: the console is one chunk, loaded once, then cached.
    chunkSizeWarningLimit: 2500,
    rolldownOptions: {
      // antd and react-router mark their modules "use client" (for React Server Components), which
      // means nothing in a browser bundle.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
});
