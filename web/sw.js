// Helpline's service worker: keeps the app's own files (the shell) so the
// app opens instantly and also without a network. It never touches /api,
// /socket.io or /healthz: live data always comes from the server.
// The server writes the build's version and the list of files in below.

const VERSION = "__HELPLINE_BUILD__";
const SHELL = ["__HELPLINE_SHELL__"];
const CACHE = `helpline-shell-${VERSION}`;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("helpline-shell-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== location.origin) return;
  if (/^\/(api|socket\.io|healthz)(\/|$)/.test(url.pathname)) return;
  // App routes (/chats/…) are all the same shell.
  const key = request.mode === "navigate" ? "/" : url.pathname;
  event.respondWith(
    caches.open(CACHE).then(async (cache) => (await cache.match(key)) ?? fetch(request)),
  );
});
