// The app shell's service worker: it keeps index.html and its bundled assets, so the app
// also opens (and shows the orders of its local database) without the network. Network
// first, so a new build is picked up whenever the server can be reached. API calls (/api,
// /q) are never cached: RxDB's replication owns that data.
const CACHE = 'rxsync-orders-shell-v1';

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    const html = await (await fetch('/', { cache: 'no-store' })).text();
    // the assets index.html references (the build has one script and one stylesheet)
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
    await cache.addAll(['/', ...assets]);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin
      || url.pathname.startsWith('/api/') || url.pathname.startsWith('/q/')) {
    return;
  }
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const response = await fetch(event.request);
      if (response.ok) await cache.put(event.request, response.clone());
      return response;
    } catch (offline) {
      const cached = await cache.match(event.request)
        ?? (event.request.mode === 'navigate' ? await cache.match('/') : undefined);
      if (cached) return cached;
      throw offline;
    }
  })());
});
