// Web Push, end to end: "Notifications on this device" turned on from the
// volunteer's home and from a seeker's Settings, the server really pushing
// (encrypted, VAPID-signed) to a small push service this test runs, the
// service worker showing what it is given, closing a request's notification
// when the request closes and a call's when it is answered, opening the
// right screen on a click, renewing its subscription with its secret, the
// app registering it again on start (a new secret each time, a replaced
// subscription, a new server key), a shared device changing hands, and
// sign-out deleting it.
//
// What is real and what is not:
// - Headless Debian chromium cannot subscribe: Playwright's contexts are
//   incognito-like, where Chrome has no Push API ("Registration failed -
//   permission denied"), and there is no network to reach a push service
//   anyway. The first test checks that a real subscribe still fails. So
//   the page's PushManager is replaced by an init script whose subscription
//   carries an endpoint on this test's push service (127.0.0.1) and keys
//   made here in Node. Everything after that is real: the app POSTs it, the
//   server (HELPLINE_PUSH_ALLOW_INSECURE allows http:// on loopback)
//   encrypts each push to those keys (RFC 8291, aes128gcm) and signs it
//   (VAPID); the push service checks the signature and decrypts it with
//   the http_ece package.
// - The browser's own delivery from a push service to the worker cannot
//   happen without one, so the decrypted JSON is handed to the service
//   worker with CDP's ServiceWorker.deliverPushMessage: the worker's real
//   `push` handler runs and shows or closes notifications, which the test
//   reads with registration.getNotifications().
// - Nobody can click a notification of the operating system from a test.
//   The test dispatches a `notificationclick` event (built with
//   `new NotificationEvent`, holding the real notification) inside the
//   worker, so the worker's real handler runs: it closes the notification,
//   finds the app's window and posts it the link, and main.js navigates.
//   Not exercised: the browser's trusted click, hence focusing a window and
//   `clients.openWindow` when no window is open (both need the permission
//   a real click grants).
// - `pushsubscriptionchange` is fired by push services, not by tests: the
//   test runs the worker's renewal function with the worker's
//   PushManager.subscribe replaced the same way, so the real
//   POST /api/push/subscriptions/renew (no token; the old endpoint and the
//   renewal secret the app kept in Cache Storage as proof) is exercised.
// - A browser replacing its subscription, or the server getting a new
//   VAPID key, are played by changing what the stub's getSubscription()
//   returns before the app starts again.

import { after, before } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createECDH, createPublicKey, randomBytes, verify } from "node:crypto";
import { createRequire } from "node:module";
import { scenario, launch, open, register, signIn, snap, checkA11y, noProblems, tokenOf, BASE, PHONE, WAIT } from "./lib.mjs";

const require = createRequire(import.meta.url);
const ece = require("http_ece");

let browser;
let service;
before(async () => {
  browser = await launch({ media: true });
  service = await startPushService();
});
after(async () => {
  await browser?.close();
  await service?.close();
});

const b64url = (buffer) => Buffer.from(buffer).toString("base64url");

// -- a push service ------------------------------------------------------------

/** A push service on 127.0.0.1: each device (`service.device()`) gets an
 *  endpoint and keys; every POST to an endpoint is checked (VAPID, the
 *  encoding), decrypted and kept, and answered 201 as a push service does. */
async function startPushService() {
  const devices = new Map();
  const waiters = new Set();
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const id = req.url.replace(/^\/push\//, "");
      const device = devices.get(id);
      if (req.method !== "POST" || !device) {
        res.writeHead(404).end();
        return;
      }
      const body = Buffer.concat(chunks);
      const push = { headers: req.headers, size: body.length, receivedAt: Date.now() };
      try {
        push.vapid = checkVapid(req.headers.authorization, `http://127.0.0.1:${server.address().port}`);
        assert.equal(req.headers["content-encoding"], "aes128gcm");
        push.text = ece.decrypt(body, { version: "aes128gcm", privateKey: device.ecdh, authSecret: device.auth }).toString("utf8");
        push.json = JSON.parse(push.text);
      } catch (error) {
        push.error = String(error?.message ?? error);
      }
      device.pushes.push(push);
      for (const waiter of waiters) waiter();
      res.writeHead(201, { location: `/message/${device.pushes.length}` }).end();
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    device() {
      const id = randomBytes(12).toString("hex");
      const ecdh = createECDH("prime256v1");
      ecdh.generateKeys();
      const device = { id, ecdh, auth: b64url(randomBytes(16)), pushes: [] };
      devices.set(id, device);
      return {
        endpoint: `${origin}/push/${id}`,
        p256dh: b64url(ecdh.getPublicKey()),
        auth: device.auth,
        pushes: device.pushes,
        /** The next push (after `seen` of them) that `match`es. */
        async next(match = () => true, seen = 0) {
          const find = () => device.pushes.slice(seen).find((p) => !p.json || match(p.json));
          let found = find();
          if (!found)
            found = await new Promise((resolve, reject) => {
              const timer = setTimeout(() => {
                waiters.delete(waiter);
                reject(new Error(`no matching push within ${WAIT} ms; got ${JSON.stringify(device.pushes.map((p) => p.json ?? p.error))}`));
              }, WAIT);
              const waiter = () => {
                const hit = find();
                if (!hit) return;
                clearTimeout(timer);
                waiters.delete(waiter);
                resolve(hit);
              };
              waiters.add(waiter);
            });
          assert.equal(found.error, undefined, `the push could not be read: ${found.error}`);
          return found.json;
        },
      };
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** Checks `Authorization: vapid t=<JWT>, k=<key>` (RFC 8292): an ES256
 *  signature by `k`, for this push service's origin, not expired. */
function checkVapid(header, audience) {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(header ?? "");
  assert.ok(match, `a VAPID Authorization header, got ${header}`);
  const [, jwt, k] = match;
  const raw = Buffer.from(k, "base64url");
  assert.equal(raw.length, 65);
  const key = createPublicKey({ key: { kty: "EC", crv: "P-256", x: b64url(raw.subarray(1, 33)), y: b64url(raw.subarray(33)) }, format: "jwk" });
  const [head, claims, signature] = jwt.split(".");
  assert.ok(verify("sha256", Buffer.from(`${head}.${claims}`), { key, dsaEncoding: "ieee-p1363" }, Buffer.from(signature, "base64url")), "the VAPID signature verifies");
  const payload = JSON.parse(Buffer.from(claims, "base64url"));
  assert.equal(JSON.parse(Buffer.from(head, "base64url")).alg, "ES256");
  assert.equal(payload.aud, audience);
  assert.ok(payload.exp * 1000 > Date.now(), "the VAPID token has not expired");
  assert.match(payload.sub ?? "", /^(mailto:|https:)/, "the VAPID token names a contact");
  return { k };
}

// -- the browser side ----------------------------------------------------------

/** Replaces the page's PushManager: its subscription is the one kept in
 *  localStorage ("test:push-subscription", so every page of the context
 *  sees it), made from `device` (the init script's argument) when
 *  subscribe() is called. It refuses without the notification permission,
 *  or without userVisibleOnly and a key, as a real one does. */
function pushStub(device) {
  if (!window.PushManager) return;
  const KEY = "test:push-subscription";
  const decode = (t) => Uint8Array.from(atob(t.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  const encode = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const subscription = ({ endpoint, p256dh, auth, key }) => ({
    endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true, applicationServerKey: decode(key).buffer },
    getKey: (name) => decode(name === "auth" ? auth : p256dh).buffer,
    toJSON: () => ({ endpoint, expirationTime: null, keys: { p256dh, auth } }),
    unsubscribe: async () => {
      localStorage.removeItem(KEY);
      localStorage.setItem("test:push-unsubscribed", String(Number(localStorage.getItem("test:push-unsubscribed") ?? 0) + 1));
      return true;
    },
  });
  PushManager.prototype.subscribe = async function (options) {
    if (Notification.permission !== "granted") throw new DOMException("Registration failed - permission denied", "NotAllowedError");
    if (options?.userVisibleOnly !== true || !options.applicationServerKey) throw new DOMException("userVisibleOnly and a key are required", "NotSupportedError");
    localStorage.setItem(KEY, JSON.stringify({ ...device, key: encode(options.applicationServerKey) }));
    return this.getSubscription();
  };
  PushManager.prototype.getSubscription = async function () {
    const kept = JSON.parse(localStorage.getItem(KEY));
    return kept ? subscription(kept) : null;
  };
}

/** A signed-in person whose browser context allows service workers and
 *  notifications, with the PushManager stub for a new device. */
async function pushUser(role, displayName, options = {}) {
  const account = await register(role, displayName);
  const device = service.device();
  const { context, page } = await open(browser, { serviceWorkers: "allow", notifications: true, ...options });
  await context.addInitScript(pushStub, { endpoint: device.endpoint, p256dh: device.p256dh, auth: device.auth });
  await signIn(page, account);
  // The service worker is installed and controls the page (it claims it).
  await page.waitForFunction(() => navigator.serviceWorker?.controller != null);
  return { account, context, page, device };
}

async function restAs(token, method, path, body) {
  const response = await fetch(`${BASE}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, json: await response.json().catch(() => null) };
}

/** What the app keeps for its service worker (Cache Storage
 *  `helpline-push`): `{endpoint, renewSecret, userId}`, or null. */
async function keptOf(page) {
  return page.evaluate(async () => {
    const response = await (await caches.open("helpline-push")).match("/push-endpoint");
    return response ? response.json() : null;
  });
}

/** POST /api/push/subscriptions/renew as a service worker would (no
 *  token), moving `oldEndpoint` to `device`'s endpoint → the status. */
async function renewAs(oldEndpoint, renewSecret, device) {
  const subscription = { endpoint: device.endpoint, expirationTime: null, keys: { p256dh: device.p256dh, auth: device.auth } };
  const response = await fetch(`${BASE}/api/push/subscriptions/renew`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ oldEndpoint, renewSecret, subscription }),
  });
  return response.status;
}

/** The endpoints the server has for the holder of `token`. */
async function endpointsOf(token) {
  return (await restAs(token, "GET", "/api/push/subscriptions")).json.subscriptions.map((s) => s.endpoint);
}

/** The context's service worker (started if it was stopped). */
async function serviceWorkerOf(context, probe) {
  const running = () => context.serviceWorkers().find((w) => w.url() === `${BASE}/sw.js`);
  if (running()) return running();
  const started = context.waitForEvent("serviceworker", { predicate: (w) => w.url() === `${BASE}/sw.js` });
  // A message wakes it (the probe page is of the origin, not controlled).
  await probe.evaluate(async () => (await navigator.serviceWorker.getRegistration()).active.postMessage({ type: "wake" }));
  return started;
}

/** A page of the app's origin that does not run the app, plus a CDP session
 *  with the ServiceWorker domain: the registration's id, and delivering a
 *  push to it. The page is /icons/icon.svg loaded past the service worker
 *  (the worker answers every navigation with the app). */
async function probeOf(context) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setBypassServiceWorker", { bypass: true });
  const registered = new Promise((resolve) => {
    cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
      const found = registrations.find((r) => r.scopeURL === `${BASE}/` && !r.isDeleted);
      if (found) resolve(found.registrationId);
    });
  });
  await cdp.send("ServiceWorker.enable");
  const registrationId = await registered;
  await page.goto("/icons/icon.svg");
  return {
    page,
    /** Hands `push` (the JSON the push service decrypted) to the worker. */
    /** Hands `push` (the JSON the push service decrypted) to the worker and
     *  waits until `shown(notifications)` holds. CDP answers before the
     *  worker has the push, and now and then (right after the last page of
     *  the app closed) the push never reaches it, so a push that had no
     *  effect after a few seconds is handed over again: the worker treats
     *  a repeat like the first (same tag, same notification). */
    async deliver(push, shown, what) {
      for (let attempt = 1; ; attempt++) {
        await cdp.send("ServiceWorker.deliverPushMessage", { origin: BASE, registrationId, data: JSON.stringify(push) });
        try {
          return await waitFor(async () => shown(await this.notifications()), what, attempt < 3 ? 3000 : WAIT);
        } catch (error) {
          if (attempt >= 3) throw error;
        }
      }
    },
    /** The notifications the worker shows now. */
    notifications: () =>
      page.evaluate(async () =>
        (await (await navigator.serviceWorker.getRegistration()).getNotifications()).map((n) => ({
          title: n.title,
          body: n.body,
          tag: n.tag,
          data: n.data,
          requireInteraction: n.requireInteraction,
          renotify: n.renotify,
          icon: n.icon,
        })),
      ),
  };
}

async function waitFor(check, what, timeout = WAIT) {
  const until = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until the server counts `name` as on call (offline, available,
 *  notifications on): the socket of a closed page takes a moment to go. */
async function onCall(token, name) {
  await waitFor(async () => {
    const list = (await restAs(token, "GET", "/api/volunteers")).json;
    return list.find((v) => v.displayName === name && !v.online && v.onCall);
  }, `${name} to be on call`);
}

async function askAnyone(page, note) {
  await page.getByLabel("Daily life").check();
  await page.getByLabel("Anything you would like them to know? (optional)").fill(note);
  await page.getByRole("button", { name: "Talk to anyone now" }).click();
}

// -- the tests -----------------------------------------------------------------

scenario("headless chromium has no push service: a real subscribe fails (so the tests stub it)", async () => {
  const account = await register("volunteer", "Probe");
  const { context, page } = await open(browser, { serviceWorkers: "allow", notifications: true });
  await signIn(page, account);
  await page.waitForFunction(() => navigator.serviceWorker?.controller != null);
  const outcome = await page.evaluate(async () => {
    const { publicKey } = await (await fetch("/api/push/vapid-public-key")).json();
    const key = Uint8Array.from(atob(publicKey.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
    const registration = await navigator.serviceWorker.ready;
    try {
      const subscription = await Promise.race([
        registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }),
        new Promise((_, reject) => setTimeout(() => reject(new Error("timed out")), 10_000)),
      ]);
      return { ok: true, endpoint: subscription.endpoint };
    } catch (error) {
      return { ok: false, error: `${error.name}: ${error.message}` };
    }
  });
  // If this ever succeeds, the stub below could give way to the real thing.
  assert.equal(outcome.ok, false, `subscribe unexpectedly worked: ${outcome.endpoint}`);
  console.log(`real pushManager.subscribe in headless chromium: ${outcome.error}`);
  await context.close();
});

scenario("a volunteer turns on notifications; a request reaches the closed app as a notification, which closes with the request and opens it on a click", async () => {
  const v = await pushUser("volunteer", "Nadia", { timezoneId: "Europe/London", viewport: PHONE });
  const card = v.page.locator("hl-notifications");
  await card.getByRole("heading", { name: "Notifications on this device" }).waitFor();
  await card.getByText("Get a notification when someone asks for help, even when Helpline is closed.").waitFor();
  await card.getByText("Off: this device gets no notifications from Helpline.").waitFor();
  // Nothing was asked before the click, and nothing subscribed.
  assert.equal(await v.page.evaluate(() => localStorage.getItem("test:push-subscription")), null);
  await card.getByRole("button", { name: "Turn on notifications" }).click();
  await card.getByText("On: this device gets a notification when someone asks for help").waitFor();
  await card.getByRole("button", { name: "Turn off notifications" }).waitFor();
  await v.page.getByText("You are on call: when Helpline is closed, this device gets a notification").waitFor();
  const token = await tokenOf(v.page);
  const listed = await restAs(token, "GET", "/api/push/subscriptions");
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.json.subscriptions.map((s) => s.endpoint), [v.device.endpoint]);
  // The service worker's copy: the endpoint, whose it is, and the secret
  // that proves it at a renewal.
  const atTurnOn = await keptOf(v.page);
  assert.equal(atTurnOn.endpoint, v.device.endpoint);
  assert.equal(atTurnOn.userId, v.account.user.id);
  assert.match(atTurnOn.renewSecret, /^[A-Za-z0-9_-]{40,}$/);
  assert.equal(await v.page.evaluate((id) => localStorage.getItem(`helpline:${id}:push`), v.account.user.id), v.device.endpoint);

  // Quiet hours in the device's time zone, saved, then cleared again (so
  // that this test's own pushes are not held back at night).
  await card.getByLabel("Quiet hours: no notifications of new requests between these times").check();
  await card.getByText("Times are in this device's time zone: Europe/London.").waitFor();
  await card.getByLabel("From").fill("22:30");
  await card.getByLabel("Until").fill("07:15");
  await card.getByLabel("Show names in notifications").waitFor();
  await card.evaluate((el) => el.scrollIntoView({ block: "start" }));
  await snap(v.page, "notifications-volunteer");
  await card.getByRole("button", { name: "Save these settings" }).click();
  await card.getByText("Saved. Quiet hours from 22:30 until 07:15.").waitFor();
  assert.deepEqual((await restAs(token, "GET", "/api/me/settings")).json, { quietHours: { from: "22:30", to: "07:15", timeZone: "Europe/London" }, pushShowNames: false, preferFamiliar: true });
  await card.getByLabel("Quiet hours: no notifications of new requests between these times").uncheck();
  await card.getByRole("button", { name: "Save these settings" }).click();
  await card.getByText("Saved. No quiet hours.").waitFor();
  assert.deepEqual((await restAs(token, "GET", "/api/me/settings")).json, { quietHours: null, pushShowNames: false, preferFamiliar: true });

  // Opened again with notifications already on, the home says so in one
  // line, linking to Settings for the rest.
  await v.page.reload();
  const line = v.page.locator("hl-notifications .push-card.push-compact");
  await line.locator("#push-status", { hasText: "Notifications on" }).waitFor();
  await line.getByRole("link", { name: "Change notification settings" }).waitFor();
  assert.equal(await v.page.locator("hl-notifications").getByRole("button").count(), 0);
  assert.ok((await line.boundingBox()).height <= 80, `one line: ${(await line.boundingBox()).height}px`);
  await checkA11y(v.page, "volunteer home, notifications on (one line)");

  // The volunteer closes Helpline (the socket goes; the context, its
  // service worker and its notification permission stay).
  const probe = await probeOf(v.context);
  await v.page.close();
  const seeker = await open(browser, { viewport: PHONE });
  const seekerAccount = await register("seeker", "Edna");
  await onCall(seekerAccount.token, "Nadia");
  await signIn(seeker.page, seekerAccount);
  await seeker.page.getByText("No volunteer is online right now, but 1 volunteer is on call and will get a notification when you ask.").waitFor();
  await seeker.page.getByText(/^Volunteers not online right now/).click();
  await seeker.page.locator(".person", { hasText: "Nadia" }).getByText("On call: gets a notification").waitFor();

  // (a) The request reaches the push service, encrypted; it names nobody
  // (names are off) and carries nothing of the note.
  await askAnyone(seeker.page, "My cat is unwell and I feel low");
  await seeker.page.getByText(/who will get a notification\.|on call\. The first one who is free will answer you\./).first().waitFor();
  const first = await v.device.next((p) => p.kind === "request");
  assert.match(first.url, /^\/\?request=[^&]+$/);
  const requestId = first.url.split("=")[1];
  assert.equal(first.tag, `request-${requestId}`);
  assert.ok(first.title, "a request has a title");
  const said = JSON.stringify(first);
  for (const secret of ["cat", "unwell", "Edna"]) assert.ok(!said.includes(secret), `the push must not carry “${secret}”: ${said}`);

  // (b) Delivered to the service worker: the notification shows, and stays.
  const [shown] = await probe.deliver(first, (list) => (list.length ? list : null), "the request's notification");
  assert.equal(shown.title, first.title);
  assert.equal(shown.body, first.body);
  assert.equal(shown.tag, first.tag);
  assert.equal(shown.requireInteraction, true);
  assert.equal(shown.renotify, true);
  assert.deepEqual(shown.data, { url: first.url, kind: "request" });
  assert.match(shown.icon, /\/icons\/icon-192\.png$/);

  // (d) Edna cancels: the server pushes request_closed with the same
  // tag, and the worker takes the notification away, showing nothing new.
  await seeker.page.getByRole("button", { name: "Cancel request" }).click();
  await seeker.page.getByRole("heading", { name: "Your request was cancelled" }).waitFor();
  const closed = await v.device.next((p) => p.kind === "request_closed");
  assert.equal(closed.tag, first.tag);
  await probe.deliver(closed, (list) => list.length === 0, "the notification to close");
  await seeker.page.getByRole("button", { name: "Close" }).click();

  // (c) A second request; this time Helpline is open in another tab (on
  // Chats) when the notification is clicked: the worker's click handler
  // closes it and tells that window to show the request.
  const seen = v.device.pushes.length;
  await onCall(seekerAccount.token, "Nadia");
  await askAnyone(seeker.page, "Could we talk about the garden?");
  const second = await v.device.next((p) => p.kind === "request", seen);
  const secondId = second.url.split("=")[1];
  assert.notEqual(secondId, requestId);
  await probe.deliver(second, (list) => list.some((n) => n.tag === second.tag), "the second notification");
  const app = await v.context.newPage();
  app.problems = [];
  app.on("pageerror", (e) => app.problems.push(e.message));
  await app.goto("/chats");
  await app.locator("#connection-state[data-state=connected]").waitFor();
  // Starting, the app quietly POSTs the subscription again, and keeps the
  // new secret that hands out: the one from turning on no longer works.
  const atStart = await waitFor(async () => {
    const kept = await keptOf(app);
    return kept?.renewSecret !== atTurnOn.renewSecret && kept;
  }, "a new renewal secret after the app started");
  assert.equal(atStart.endpoint, v.device.endpoint);
  const worker = await serviceWorkerOf(v.context, probe.page);
  const clicked = await worker.evaluate(async (tag) => {
    const [notification] = await self.registration.getNotifications({ tag });
    if (!notification) return "no notification";
    // A synthetic event: waitUntil() refuses it (only the browser's own
    // events may extend), but the handler has started its work by then.
    try {
      self.dispatchEvent(new NotificationEvent("notificationclick", { notification }));
    } catch {}
    return "clicked";
  }, second.tag);
  assert.equal(clicked, "clicked");
  // The app shows the request (the query is gone afterwards) with the focus
  // on its Accept button.
  const offer = app.locator(`.offer[data-request="${secondId}"]`);
  await app.getByRole("heading", { name: "Hello, Nadia" }).waitFor();
  await offer.getByRole("button", { name: "Accept Edna" }).waitFor();
  await waitFor(() => app.evaluate((id) => document.activeElement?.closest(".offer")?.dataset.request === id && document.activeElement.textContent.startsWith("Accept"), secondId), "focus on Accept");
  assert.equal(new URL(app.url()).pathname + new URL(app.url()).search, "/");
  await waitFor(async () => !(await probe.notifications()).some((n) => n.tag === second.tag), "the clicked notification to close");
  await offer.getByRole("button", { name: "Accept Edna" }).click();
  await app.getByRole("heading", { name: "Edna", level: 1 }).waitFor();
  await seeker.page.getByRole("heading", { name: "Nadia", level: 1 }).waitFor();

  // The worker renews a subscription the push service replaced: a new
  // endpoint, proven by the old one and its secret, with no token. The
  // endpoint alone, a made-up secret or a superseded one prove nothing.
  const renewed = service.device();
  assert.equal(await renewAs(v.device.endpoint, undefined, renewed), 400);
  assert.equal(await renewAs(v.device.endpoint, "not-the-secret", renewed), 404);
  assert.equal(await renewAs(v.device.endpoint, atTurnOn.renewSecret, renewed), 404);
  assert.deepEqual(await endpointsOf(token), [v.device.endpoint]);
  const result = await worker.evaluate(async (sub) => {
    PushManager.prototype.subscribe = async () => ({ endpoint: sub.endpoint, toJSON: () => ({ endpoint: sub.endpoint, expirationTime: null, keys: { p256dh: sub.p256dh, auth: sub.auth } }), unsubscribe: async () => true });
    return renewSubscription({ oldSubscription: null, newSubscription: null });
  }, { endpoint: renewed.endpoint, p256dh: renewed.p256dh, auth: renewed.auth });
  assert.equal(result, renewed.endpoint);
  assert.deepEqual(await endpointsOf(token), [renewed.endpoint]);
  // The worker keeps the new secret; the one it used is spent.
  const afterRenewal = await keptOf(app);
  assert.deepEqual({ ...afterRenewal, renewSecret: "…" }, { endpoint: renewed.endpoint, userId: v.account.user.id, renewSecret: "…" });
  assert.notEqual(afterRenewal.renewSecret, atStart.renewSecret);
  assert.equal(await renewAs(renewed.endpoint, atStart.renewSecret, service.device()), 404);
  assert.deepEqual(await endpointsOf(token), [renewed.endpoint]);
  // The browser's getSubscription() now returns the new one: so does the stub.
  await app.evaluate((sub) => {
    const kept = JSON.parse(localStorage.getItem("test:push-subscription"));
    localStorage.setItem("test:push-subscription", JSON.stringify({ ...kept, ...sub }));
  }, { endpoint: renewed.endpoint, p256dh: renewed.p256dh, auth: renewed.auth });

  // (e) Signing out deletes this device's subscription on the server and
  // in the browser.
  await signOut(app);
  await app.getByRole("heading", { name: "Sign in" }).waitFor();
  assert.deepEqual((await restAs(token, "GET", "/api/push/subscriptions")).json.subscriptions, []);
  assert.equal(await app.evaluate(() => localStorage.getItem("test:push-subscription")), null);
  assert.equal(await app.evaluate(() => localStorage.getItem("test:push-unsubscribed")), "1");
  assert.deepEqual(app.problems, []);
  noProblems(seeker.page);
  await seeker.context.close();
  await v.context.close();
});

scenario("a seeker turns on notifications in Settings and is told, with the app closed, of the answer, a message and a call", async () => {
  const s = await pushUser("seeker", "Arthur", { viewport: PHONE });
  await s.page.getByRole("link", { name: "Settings" }).click();
  await s.page.getByRole("heading", { name: "Settings", level: 1 }).waitFor();
  const card = s.page.locator("hl-notifications");
  await card.getByText("Get a notification when a volunteer answers you, sends you a message or calls you").waitFor();
  await card.getByRole("button", { name: "Turn on notifications" }).click();
  await card.getByText("On: this device gets a notification when a volunteer answers you").waitFor();
  // Seekers have no quiet hours (the server keeps them for requests); names
  // may show.
  assert.equal(await card.getByLabel(/Quiet hours/).count(), 0);
  await card.getByLabel("Show names in notifications").check();
  await card.getByRole("button", { name: "Save these settings" }).click();
  await card.getByText("Saved.", { exact: true }).waitFor();
  await s.page.locator("main").evaluate((el) => el.scrollTo(0, 0));
  await snap(s.page, "settings-seeker");
  const token = await tokenOf(s.page);
  assert.equal((await restAs(token, "GET", "/api/me/settings")).json.pushShowNames, true);

  const volunteerAccount = await register("volunteer", "Felix");
  const v = await open(browser);
  await signIn(v.page, volunteerAccount);

  // Arthur asks Felix, then closes Helpline while he waits.
  await s.page.getByRole("link", { name: "Home" }).click();
  await s.page.locator(".person", { hasText: "Felix" }).getByRole("button", { name: "Chat now with Felix" }).click();
  await s.page.getByRole("heading", { name: "Waiting for Felix…" }).waitFor();
  const probe = await probeOf(s.context);
  await s.page.close();

  await v.page.locator(".offer", { hasText: "Arthur" }).getByRole("button", { name: "Accept Arthur" }).click();
  await v.page.getByRole("heading", { name: "Arthur", level: 1 }).waitFor();
  const conversationId = decodeURIComponent(new URL(v.page.url()).pathname.split("/").pop());
  const session = await s.device.next((p) => p.kind === "session");
  assert.equal(session.url, `/chats/${conversationId}`);
  assert.equal(session.tag, `session-${conversationId}`);
  assert.match(session.title, /Felix/, "names are on: the volunteer is named");

  // A message: the push says that there is one, never what it says. (The
  // server sends at most one message push a person in a while, so it may
  // be the one for the chat's opening notice.)
  await v.page.getByLabel("Message to Arthur").fill("The secret word is marmalade");
  await v.page.keyboard.press("Enter");
  const message = await s.device.next((p) => p.kind === "message");
  assert.equal(message.url, `/chats/${conversationId}`);
  assert.equal(message.tag, `conversation-${conversationId}`);
  await probe.deliver(message, (list) => list.some((n) => n.tag === message.tag && n.requireInteraction === false), "the message notification");

  // A call: its push links to the chat with the call; opening that link
  // while it rings shows the incoming call, which Arthur can answer.
  const seen = s.device.pushes.length;
  await v.page.getByRole("button", { name: "Call Arthur", exact: true }).click();
  const call = await s.device.next((p) => p.kind === "call", seen);
  assert.match(call.url, new RegExp(`^/chats/${conversationId}\\?call=[^&]+$`));
  const callId = call.url.split("?call=")[1];
  assert.equal(call.tag, `call-${callId}`);
  await probe.deliver(call, (list) => list.some((n) => n.tag === call.tag && n.requireInteraction && n.renotify), "the call notification");
  const rang = s.device.pushes.length;
  const opened = await s.context.newPage();
  opened.problems = [];
  opened.on("pageerror", (e) => opened.problems.push(e.message));
  await opened.goto(call.url);
  const incoming = opened.locator("dialog.call-incoming");
  await incoming.getByRole("heading", { name: "Felix is calling you" }).waitFor();
  await incoming.getByRole("button", { name: "Accept" }).click();
  await opened.getByRole("heading", { name: "Call with Felix" }).waitFor();
  // Answered (here, on a device that is open): the server pushes
  // call_closed with the call's tag, and the worker takes the ringing
  // notification away, showing nothing instead.
  const answered = await s.device.next((p) => p.kind === "call_closed", rang);
  assert.deepEqual(answered, { kind: "call_closed", title: "", body: "", url: `/chats/${conversationId}`, tag: call.tag });
  const showing = (await probe.notifications()).length;
  const left = await probe.deliver(answered, (list) => (!list.some((n) => n.tag === call.tag) ? list : null), "the ringing notification to close");
  assert.equal(left.length, showing - 1, "call_closed shows nothing");
  for (const push of s.device.pushes) assert.ok(!push.text.includes("marmalade"), `no push carries a message's text: ${push.text}`);
  await v.page.getByRole("button", { name: "Hang up" }).click();
  for (const page of [opened, v.page]) await page.getByRole("status").filter({ hasText: /^Call ended · / }).waitFor();

  // A link to a call that is over just opens the chat: after connecting,
  // the app asks GET /api/calls/live twice (for a call to rejoin, then for
  // the link's call) and shows no ringing.
  let live = 0;
  const checked = new Promise((resolve) => opened.on("response", (r) => new URL(r.url()).pathname === "/api/calls/live" && ++live === 2 && resolve()));
  await opened.goto(call.url);
  await opened.getByRole("heading", { name: "Felix", level: 1 }).waitFor();
  await checked;
  await opened.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
  assert.equal(await opened.locator("dialog.call-incoming[open]").count(), 0);
  assert.deepEqual(opened.problems, []);
  noProblems(v.page);
  await s.context.close();
  await v.context.close();
});

scenario("a shared device: whoever turns notifications on takes them over; on start the app registers a replaced subscription, or one for a new server key", async () => {
  const alma = await pushUser("seeker", "Alma");
  const { page } = alma;
  const card = page.locator("hl-notifications");
  const settings = async () => {
    await page.getByRole("link", { name: "Settings" }).click();
    await page.getByRole("heading", { name: "Settings", level: 1 }).waitFor();
  };
  const ON = "On: this device gets a notification when a volunteer answers you";
  const OFF = "Off: this device gets no notifications from Helpline.";
  const record = (id) => page.evaluate((key) => localStorage.getItem(key), `helpline:${id}:push`);
  const stubbed = (change) =>
    page.evaluate((change) => {
      const kept = JSON.parse(localStorage.getItem("test:push-subscription"));
      localStorage.setItem("test:push-subscription", JSON.stringify({ ...kept, ...change }));
    }, change);
  await settings();
  await card.getByRole("button", { name: "Turn on notifications" }).click();
  await card.getByText(ON).waitFor();
  const almaToken = await tokenOf(page);
  assert.deepEqual(await endpointsOf(almaToken), [alma.device.endpoint]);

  // Alma's session ends without her signing out (what the app keeps for
  // her stays), and Bert signs in on the same browser: her notifications
  // are not his. He turns them on: the same subscription moves to him.
  await page.evaluate(() => localStorage.removeItem("helpline:session"));
  const bert = await register("seeker", "Bert");
  await signIn(page, bert);
  await settings();
  await card.getByText(OFF).waitFor();
  await card.getByRole("button", { name: "Turn on notifications" }).click();
  await card.getByText(ON).waitFor();
  const bertToken = await tokenOf(page);
  assert.deepEqual(await endpointsOf(bertToken), [alma.device.endpoint]);
  assert.deepEqual(await endpointsOf(almaToken), []);
  assert.equal(await record(alma.account.user.id), null);
  assert.equal(await record(bert.user.id), alma.device.endpoint);
  assert.equal((await keptOf(page)).userId, bert.user.id);

  // Bert's session ends the same way and Alma signs in again: hers are off
  // here, her start does not take them back, and signing out on purpose
  // she leaves Bert's subscription alone.
  await page.evaluate(() => localStorage.removeItem("helpline:session"));
  await signIn(page, alma.account);
  await settings();
  await card.getByText(OFF).waitFor();
  await signOut(page);
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  assert.deepEqual(await endpointsOf(bertToken), [alma.device.endpoint]);
  assert.equal(await page.evaluate(() => localStorage.getItem("test:push-unsubscribed")), null);

  // Meanwhile the browser replaced the subscription and the worker could
  // not renew it: when Bert opens Helpline, the app registers the new one
  // and deletes the old.
  const replaced = service.device();
  await stubbed({ endpoint: replaced.endpoint, p256dh: replaced.p256dh, auth: replaced.auth });
  await signIn(page, bert);
  await waitFor(async () => (await endpointsOf(bertToken)).join() === replaced.endpoint, "the replaced subscription on the server");
  assert.deepEqual({ ...(await keptOf(page)), renewSecret: "…" }, { endpoint: replaced.endpoint, userId: bert.user.id, renewSecret: "…" });
  await settings();
  await card.getByText(ON).waitFor();
  assert.equal(await record(bert.user.id), replaced.endpoint);

  // The server's key changed (the subscription was made for another one):
  // on the next start the app drops it, subscribes again with the server's
  // key, and registers that.
  const ecdh = createECDH("prime256v1");
  await stubbed({ key: b64url(ecdh.generateKeys()) });
  await page.reload();
  await page.locator("#connection-state[data-state=connected]").waitFor();
  await waitFor(async () => (await endpointsOf(bertToken)).join() === alma.device.endpoint, "a subscription for the server's key on the server");
  assert.equal(await page.evaluate(() => localStorage.getItem("test:push-unsubscribed")), "1");
  const { publicKey } = await (await fetch(`${BASE}/api/push/vapid-public-key`)).json();
  assert.equal(await page.evaluate(() => JSON.parse(localStorage.getItem("test:push-subscription")).key), publicKey);
  assert.equal((await keptOf(page)).endpoint, alma.device.endpoint);
  await card.getByText(ON).waitFor();

  // Bert signs out: gone on the server and in the browser.
  await signOut(page);
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
  assert.deepEqual(await endpointsOf(bertToken), []);
  assert.equal(await page.evaluate(() => localStorage.getItem("test:push-subscription")), null);
  assert.equal(await keptOf(page), null);
  noProblems(page);
  await alma.context.close();
});

scenario("availability is kept by the server: away on one device shows as away on another", async () => {
  const account = await register("volunteer", "Oskar");
  const first = await open(browser, { viewport: PHONE });
  await signIn(first.page, account);
  await first.page.getByRole("switch", { name: "Available for new requests" }).click();
  await first.page.getByText("Off: you are away").waitFor();
  await first.page.getByText("Helpline remembers this, also when you close it, until you turn it back on.").waitFor();
  // Another device, which has never been told on this device's storage.
  const second = await open(browser);
  await signIn(second.page, account);
  await second.page.getByText("Off: you are away").waitFor();
  assert.equal(await second.page.getByRole("switch", { name: "Available for new requests" }).getAttribute("aria-checked"), "false");
  noProblems(first.page, second.page);
  await first.context.close();
  await second.context.close();
});

/** Signs out from wherever the page is: on a phone in a chat, Sign out is
 *  behind the top bar's Menu. */
async function signOut(page) {
  const menu = page.getByRole("button", { name: /^Menu/ });
  if (await menu.isVisible()) await menu.click();
  await page.getByRole("button", { name: "Sign out" }).click();
}
