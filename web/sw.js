// Helpline's service worker: keeps the app's own files (the shell) so the
// app opens instantly and also without a network, and shows the
// notifications the server pushes while Helpline is closed. It never
// touches /api, /socket.io or /healthz: live data always comes from the
// server.
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

// -- Notifications ------------------------------------------------------------
//
// A push carries {kind, title, body, url, tag} and never a message's text.
// Kinds: "request" (someone asks for help: stays until answered, and sounds
// again when re-sent), "request_closed" (that request was taken or
// withdrawn: its notification goes, nothing is shown), "session" (a
// volunteer answered), "message", "call" (ringing: stays until answered),
// "call_missed" (replaces the ringing one, by its tag) and "call_closed"
// (the call was answered or declined on some device: the ringing one goes,
// nothing is shown).

const LOUD = new Set(["request", "call", "alert"]);
/** Kinds that only take back the notification with their tag. */
const CLOSING = new Set(["request_closed", "call_closed"]);

self.addEventListener("push", (event) => {
  event.waitUntil(onPush(readPush(event)));
});

/** The push's JSON, or null when it has none or it does not parse. */
function readPush(event) {
  try {
    const data = event.data?.json();
    return data && typeof data === "object" ? data : null;
  } catch {
    return null;
  }
}

async function onPush(push) {
  if (!push) return self.registration.showNotification("Helpline", { body: "Open Helpline to see what is new.", tag: "helpline", icon: "/icons/icon-192.png", data: { url: "/" } });
  const tag = typeof push.tag === "string" && push.tag ? push.tag : undefined;
  if (CLOSING.has(push.kind)) {
    // Only this request's (or call's) notification goes; nothing new is shown.
    if (tag) for (const n of await self.registration.getNotifications({ tag })) n.close();
    return;
  }
  const loud = LOUD.has(push.kind);
  return self.registration.showNotification(push.title || "Helpline", {
    body: push.body || "",
    tag,
    renotify: loud && !!tag,
    requireInteraction: loud,
    icon: "/icons/icon-192.png",
    badge: "/icons/icon-192.png",
    data: { url: appPath(push.url), kind: push.kind },
  });
}

/** A path of this app (anything else becomes "/"). */
function appPath(url) {
  if (typeof url !== "string") return "/";
  try {
    const parsed = new URL(url, location.origin);
    return parsed.origin === location.origin ? parsed.pathname + parsed.search : "/";
  } catch {
    return "/";
  }
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(openFromNotification(event.notification));
});

/** What a click on a notification does: an open window of the app is asked
 *  to show the notification's screen (main.js navigates on this message)
 *  and brought to the front; without one, a new window opens there.
 *  Split from the event so the browser test can run it: a test cannot
 *  click a notification of the operating system. */
async function openFromNotification(notification) {
  const url = appPath(notification.data?.url);
  // Windows showing the app (every app route is a path without a dot),
  // not one of its files opened on its own.
  const windows = (await self.clients.matchAll({ type: "window", includeUncontrolled: true })).filter((c) => !/\.[a-z0-9]+$/i.test(new URL(c.url).pathname));
  const client = windows.find((c) => c.focused) ?? windows.find((c) => c.visibilityState === "visible") ?? windows[0];
  if (client) {
    client.postMessage({ type: "navigate", url });
    // Focusing needs the click itself; a window that cannot be focused
    // still shows the screen.
    try {
      await client.focus();
    } catch {
      // not allowed outside a click
    }
    return client;
  }
  return self.clients.openWindow(url);
}

// -- Renewing the subscription ------------------------------------------------
//
// The push service may replace a subscription. The worker has no token, so
// it proves the old one with the renewal secret the server handed out when
// the app last saved it: POST /api/push/subscriptions/renew. The app keeps
// `{endpoint, renewSecret, userId}` in Cache Storage for it (js/push.js),
// and the worker keeps the new secret the renewal hands back (the old one
// stops working). When the server does not take the proof (404: the
// subscription is gone there, or the secret is stale), the worker can do
// nothing more: the app registers the browser's subscription again the
// next time it opens.

const PUSH_CACHE = "helpline-push";
const PUSH_KEY = "/push-endpoint";

self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(renewSubscription(event));
});

/** Renews; resolves with the new endpoint, or null when it could not. */
async function renewSubscription(event) {
  const cache = await caches.open(PUSH_CACHE);
  const kept = await cache.match(PUSH_KEY).then((r) => r?.json()).catch(() => null);
  // Nobody turned notifications on here (or they were turned off), or the
  // app has not saved a secret yet.
  if (!kept?.endpoint || !kept.renewSecret) return null;
  let subscription = event.newSubscription ?? null;
  if (!subscription) {
    // The server's key now, else the one the old subscription was made for.
    const key = (await serverKey()) ?? event.oldSubscription?.options?.applicationServerKey;
    if (!key) return null;
    subscription = await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
  }
  const response = await fetch("/api/push/subscriptions/renew", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ oldEndpoint: kept.endpoint, renewSecret: kept.renewSecret, subscription: subscription.toJSON() }),
    cache: "no-store",
  });
  if (!response.ok) return null;
  const { renewSecret } = await response.json();
  const entry = { ...kept, endpoint: subscription.endpoint, renewSecret };
  await cache.put(PUSH_KEY, new Response(JSON.stringify(entry), { headers: { "content-type": "application/json" } }));
  return subscription.endpoint;
}

/** The server's VAPID public key as bytes, or null when it cannot be had. */
async function serverKey() {
  try {
    const response = await fetch("/api/push/vapid-public-key", { cache: "no-store" });
    return response.ok ? fromBase64Url((await response.json()).publicKey) : null;
  } catch {
    return null;
  }
}

function fromBase64Url(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}
