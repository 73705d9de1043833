import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  resolve: {
    // rxdb-server imports the Node.js-only `eventsource` 2; in a browser bundle that import
    // becomes FetchEventSource, the same class the client passes as `eventSource`
    alias: { eventsource: fileURLToPath(new URL('./src/fetch-event-source.ts', import.meta.url)) },
  },
  build: {
    outDir: '../../../../target/browser-official',
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
  },
});
