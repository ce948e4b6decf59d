// Notifications on this device (Web Push): whether this browser can have
// them, turning them on (the browser's question is asked only from the
// person's click), turning them off, and forgetting them on sign-out.
//
// The states the screens show:
//   unsupported  this browser (or this server) cannot send notifications
//                while Helpline is closed
//   blocked      the person (or the browser) said no: it can only be
//                changed in the browser's settings for this site
//   off          not on for this person on this device
//   on           this device gets notifications for this person
// ("working" is the screens' own state while a click is being handled.)
//
// What is kept on the device:
// - `helpline:{userId}:push` in localStorage: the endpoint this device
//   registered for that person, i.e. "this person turned notifications on
//   here". A browser has one subscription for the app, so at most one
//   person's record is kept: whoever registers it takes it over (the
//   server moves an endpoint to whoever POSTs it), and the others' records
//   go.
// - Cache Storage `helpline-push`, `/push-endpoint`: `{endpoint,
//   renewSecret, userId}`, for the service worker (sw.js), which has no
//   token: when the push service replaces the subscription it renews it
//   with the endpoint and the secret the server handed out at the last
//   POST. Every POST and every renewal hands out a new secret, so it is
//   written again after each.
//
// Each time the app starts for someone whose record is here, it makes sure
// the server has this device's current subscription (refreshSubscription):
// the browser may have replaced it without the worker managing to renew it,
// or the server's key may have changed.

import { api, ApiError } from "./api.js";

const WORKER_CACHE = "helpline-push";
const WORKER_KEY = "/push-endpoint";

/** How long the service worker may take to become active. */
const READY_MS = 20_000;

let registering = null;

/** Registers the service worker once; resolves with its registration, or
 *  null when there is none to be had (no support, blocked, failed). */
export function registerWorker() {
  if (!("serviceWorker" in navigator) || location.protocol === "file:") return Promise.resolve(null);
  registering ??= navigator.serviceWorker.register("/sw.js").then(
    (registration) => registration ?? null,
    () => null,
  );
  return registering;
}

/** The active registration (waits for the worker to activate), or null. */
async function activeRegistration() {
  if (!(await registerWorker())) return null;
  let timer;
  const late = new Promise((resolve) => (timer = setTimeout(() => resolve(null), READY_MS)));
  try {
    return await Promise.race([navigator.serviceWorker.ready, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the browser has what notifications need at all. */
export function pushSupported() {
  return isSecureContext && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

const mine = (userId) => `helpline:${userId}:push`;

/** Whether the device's subscription was last registered for someone else
 *  (who then owns it on the server). */
const someoneElses = (kept, userId) => !!kept?.userId && kept.userId !== userId;

/** This device's state for `userId`: "unsupported", "blocked", "off" or "on". */
export async function pushState(userId) {
  if (!pushSupported()) return "unsupported";
  if (Notification.permission === "denied") return "blocked";
  const registration = await activeRegistration();
  if (!registration) return "unsupported";
  const subscription = await registration.pushManager.getSubscription().catch(() => null);
  if (!subscription || Notification.permission !== "granted") return "off";
  const ours = localStorage.getItem(mine(userId));
  if (!ours) return "off";
  const kept = await keptForWorker();
  if (someoneElses(kept, userId)) return "off";
  if (ours === subscription.endpoint) return "on";
  // The service worker renewed it (pushsubscriptionchange) since.
  if (kept?.userId !== userId || kept.endpoint !== subscription.endpoint) return "off";
  localStorage.setItem(mine(userId), subscription.endpoint);
  return "on";
}

/** A problem, in words the screens can show as they are. */
export class PushError extends Error {
  constructor(message, state = null) {
    super(message);
    this.state = state;
  }
}

/** Turns notifications on. Call it straight from a click: the browser asks
 *  its question first, before anything else is awaited. Resolves with the
 *  new state ("on", "off" when the question was dismissed, "blocked"). */
export async function turnOn(userId) {
  if (!pushSupported()) throw new PushError("This browser cannot show notifications from Helpline.", "unsupported");
  const permission = await Notification.requestPermission();
  if (permission === "denied") return "blocked";
  if (permission !== "granted") return "off";
  const registration = await activeRegistration();
  if (!registration) throw new PushError("This browser cannot show notifications from Helpline.", "unsupported");
  let key;
  try {
    key = await serverKey();
  } catch (error) {
    if (error instanceof ApiError && error.status === 404)
      throw new PushError("This Helpline server cannot send notifications yet.", "unsupported");
    throw new PushError(error.status === 0 ? "We could not reach Helpline. Please check your connection and try again." : "Something went wrong on our side. Please try again later.");
  }
  let subscription;
  try {
    subscription = await currentSubscription(registration, key);
  } catch (error) {
    console.warn("push subscribe failed:", error?.name, error?.message);
    throw new PushError(
      error?.name === "NotAllowedError"
        ? "Your browser did not allow notifications for Helpline."
        : "Your browser could not set up notifications. A private (incognito) window cannot have them; otherwise, please check your connection and try again.",
    );
  }
  try {
    await register(userId, subscription);
  } catch (error) {
    throw new PushError(
      error.status === 409
        ? "Notifications are already on for 10 of your devices, which is the most we allow. Turn them off on a device you no longer use (sign out there), then try again."
        : error.status === 0
          ? "We could not reach Helpline. Please check your connection and try again."
          : "We could not turn on notifications. Please try again later.",
    );
  }
  return "on";
}

/** Turns notifications off on this device for `userId`: the server forgets
 *  the subscription and the browser drops it. A subscription someone else
 *  has registered here since is theirs, and is left alone. */
export async function turnOff(userId, token) {
  const registration = await activeRegistration();
  const subscription = await registration?.pushManager.getSubscription().catch(() => null);
  localStorage.removeItem(mine(userId));
  if (!subscription || someoneElses(await keptForWorker(), userId)) return "off";
  let told = true;
  try {
    await api("DELETE", "/api/push/subscriptions", { endpoint: subscription.endpoint }, token);
  } catch (error) {
    // Already gone there is as good as deleted; anything else is reported,
    // but the browser's subscription goes all the same (its endpoint then
    // stops working, and the server drops it at its next push).
    told = error.status === 404;
  }
  await subscription.unsubscribe().catch(() => {});
  await rememberForWorker(null);
  if (!told) throw new PushError("Notifications are off on this device, but we could not tell Helpline. It will notice by itself.", "off");
  return "off";
}

/** On signing out: the same as turnOff, quietly, and never for longer than
 *  a few seconds. `token` is the session that is ending. */
export async function forgetOnSignOut(userId, token) {
  if (!pushSupported()) return;
  const done = turnOff(userId, token).catch(() => {});
  await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 5000))]);
}

/** After signing in (and on every start): if this person turned
 *  notifications on here, make sure the server has this device's current
 *  subscription, made for the server's current key, and that the worker
 *  has a fresh renewal secret. Quiet: nothing is asked and nothing is
 *  shown; the screens are told (`hl-push-refreshed`) when it is done. */
export async function refreshSubscription(userId, token) {
  if (!pushSupported() || Notification.permission !== "granted") return;
  const ours = localStorage.getItem(mine(userId));
  if (!ours) return;
  const registration = await activeRegistration();
  if (!registration) return;
  if (someoneElses(await keptForWorker(), userId)) {
    // Someone else turned notifications on here since: it is theirs now.
    localStorage.removeItem(mine(userId));
    return;
  }
  // The browser may have replaced the subscription (and the worker could
  // not renew it), or dropped it; a new server key needs a new one.
  const subscription = await currentSubscription(registration, await serverKey());
  await register(userId, subscription, token);
  document.dispatchEvent(new CustomEvent("hl-push-refreshed"));
}

/** The server's VAPID public key, as bytes. */
async function serverKey() {
  const { publicKey } = await api("GET", "/api/push/vapid-public-key", undefined, null);
  return fromBase64Url(publicKey);
}

/** The browser's subscription for `key`: the current one when it was made
 *  for that key, else a new one (the old one is dropped: it cannot receive
 *  this server's pushes). Needs the notification permission. */
async function currentSubscription(registration, key) {
  let subscription = await registration.pushManager.getSubscription().catch(() => null);
  if (subscription && !madeFor(subscription, key)) {
    await subscription.unsubscribe().catch(() => {});
    subscription = null;
  }
  return subscription ?? registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
}

/** POSTs the subscription for `userId` and keeps what that hands back: the
 *  person's record (the others' go: the server moved the endpoint to this
 *  person) and, for the worker, the endpoint with its new renewal secret.
 *  An endpoint this device registered for them before is deleted on the
 *  server. */
async function register(userId, subscription, token) {
  const before = localStorage.getItem(mine(userId));
  const { renewSecret } = await api("POST", "/api/push/subscriptions", subscription.toJSON(), token);
  for (const key of Object.keys(localStorage)) if (/^helpline:.+:push$/.test(key) && key !== mine(userId)) localStorage.removeItem(key);
  localStorage.setItem(mine(userId), subscription.endpoint);
  await rememberForWorker({ endpoint: subscription.endpoint, renewSecret, userId });
  if (before && before !== subscription.endpoint) await api("DELETE", "/api/push/subscriptions", { endpoint: before }, token).catch(() => {});
}

/** What the service worker keeps: `{endpoint, renewSecret, userId}`, or null. */
async function keptForWorker() {
  try {
    const response = await (await caches.open(WORKER_CACHE)).match(WORKER_KEY);
    return (await response?.json()) ?? null;
  } catch {
    return null;
  }
}

/** Keeps `entry` where the service worker can read it (for renewal), or
 *  forgets it (null). */
async function rememberForWorker(entry) {
  try {
    const cache = await caches.open(WORKER_CACHE);
    if (entry) await cache.put(WORKER_KEY, new Response(JSON.stringify(entry), { headers: { "content-type": "application/json" } }));
    else await cache.delete(WORKER_KEY);
  } catch {
    // No Cache Storage: renewal then waits for the next start of the app.
  }
}

export function fromBase64Url(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

/** Whether a subscription was made for `key`. A browser that does not say
 *  which key it was made for is taken at its word (else every start would
 *  make a new one). */
function madeFor(subscription, key) {
  const theirs = subscription.options?.applicationServerKey;
  if (!theirs) return true;
  const x = new Uint8Array(theirs);
  return x.length === key.length && x.every((byte, i) => byte === key[i]);
}

/** The device's time zone (an IANA name), for quiet hours. */
export const deviceTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
