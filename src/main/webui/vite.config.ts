import { defineConfig } from 'vite';

// `npm run build` writes straight into Maven's output, so the packaged Quarkus app serves the
// web app at / (static resources under META-INF/resources). `npm run dev` proxies the API
// to a server on :8080 (`./mvnw quarkus:dev`).
export default defineConfig({
  build: {
    outDir: '../../../target/classes/META-INF/resources',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    proxy: { '/api': 'http://localhost:8080' },
  },
});
