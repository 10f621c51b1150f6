// Muster's service worker: the runner opens and works with no network once it was used
// online, and a member's plans and call-ins stay readable. Runner pages (/run,
// /run/{app}), plan and call-in pages (/projects/..., /call-ins/...), the app's code and
// styles (and the barcode reader, once loaded) are answered from the network when it
// answers, and from what was kept of the last answer when it does not. Nothing else is kept: other pages need
// the server anyway, and the less a shared device holds, the better. Sign-out empties
// the cache (the page calls `clearOffline`).
//
// Network first (not cache first) because the page and its WASM must come from the
// same deployment: a cached page never meets newer code. The exception is a file named
// by its content hash (release builds: `muster.<hash>.wasm` and every page's chunk):
// that name never means other bytes, so the kept copy is answered without asking the
// network, which is what makes a second start fast on a slow connection.

const CACHE = 'muster-runner-v2';

self.addEventListener('install', () => self.skipWaiting());

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name !== CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

function kept(url) {
  return url.pathname === '/run'
    || url.pathname.startsWith('/run/')
    // A member's plans and call-ins, readable offline (the last copy, with its age).
    || url.pathname === '/projects'
    || url.pathname.startsWith('/projects/')
    || url.pathname === '/call-ins'
    || url.pathname.startsWith('/call-ins/')
    || url.pathname.startsWith('/pkg/')
    // The barcode reader of browsers without their own, once a scan has loaded it.
    || url.pathname.startsWith('/vendor/zxing/')
    || url.pathname === '/favicon.svg'
    || url.pathname === '/manifest.webmanifest'
    || url.pathname.startsWith('/icons/');
}

// cargo-leptos's hashed names: `name.HASH.ext`, HASH 22 characters of unpadded base64url
// (the unhashed split loader's placeholder is 22 underscores). As the server's
// static_assets.rs decides which files browsers may keep for a year.
function contentHashed(url) {
  const match = /\.([A-Za-z0-9_-]{22})\.[a-z]+$/.exec(url.pathname);
  return url.pathname.startsWith('/pkg/') && match !== null && /[A-Za-z0-9]/.test(match[1]);
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || !kept(url)) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    if (contentHashed(url)) {
      const answer = await cache.match(request, { ignoreVary: true });
      if (answer) return answer;
    }
    try {
      const response = await fetch(request);
      if (response.ok) await cache.put(request, response.clone());
      return response;
    } catch (offline) {
      const answer = await cache.match(request, { ignoreVary: true });
      if (answer) return answer;
      throw offline;
    }
  })());
});

self.addEventListener('message', (event) => {
  if (event.data === 'clear') {
    event.waitUntil(caches.delete(CACHE));
  }
});
