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
// The service worker (sw.js) shows the notifications. It has no token, so
// when the push service replaces a subscription it renews it with the old
// endpoint as its proof; the endpoint is kept where it can read it (Cache
// Storage, `helpline-push`). Per person, `helpline:{userId}:push` in
// localStorage says which endpoint this device registered for them, so a
// subscription left behind by someone else on a shared device is not taken
// for this person's.

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
  if (ours === subscription.endpoint) return "on";
  // The service worker renewed it (pushsubscriptionchange) since.
  if ((await keptForWorker()) !== subscription.endpoint) return "off";
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
  let publicKey;
  try {
    ({ publicKey } = await api("GET", "/api/push/vapid-public-key", undefined, null));
  } catch (error) {
    if (error instanceof ApiError && error.status === 404)
      throw new PushError("This Helpline server cannot send notifications yet.", "unsupported");
    throw new PushError(error.status === 0 ? "We could not reach Helpline. Please check your connection and try again." : "Something went wrong on our side. Please try again later.");
  }
  const key = fromBase64Url(publicKey);
  let subscription = await registration.pushManager.getSubscription().catch(() => null);
  // A subscription made for another server key cannot receive this server's pushes.
  if (subscription && !sameKey(subscription.options?.applicationServerKey, key)) {
    await subscription.unsubscribe().catch(() => {});
    subscription = null;
  }
  if (!subscription) {
    try {
      subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
    } catch (error) {
      console.warn("push subscribe failed:", error?.name, error?.message);
      throw new PushError(
        error?.name === "NotAllowedError"
          ? "Your browser did not allow notifications for Helpline."
          : "Your browser could not set up notifications. A private (incognito) window cannot have them; otherwise, please check your connection and try again.",
      );
    }
  }
  try {
    await api("POST", "/api/push/subscriptions", subscription.toJSON());
  } catch (error) {
    throw new PushError(
      error.status === 409
        ? "Notifications are already on for 10 of your devices, which is the most we allow. Turn them off on a device you no longer use (sign out there), then try again."
        : error.status === 0
          ? "We could not reach Helpline. Please check your connection and try again."
          : "We could not turn on notifications. Please try again later.",
    );
  }
  localStorage.setItem(mine(userId), subscription.endpoint);
  await rememberForWorker(subscription.endpoint);
  return "on";
}

/** Turns notifications off on this device for `userId`: the server forgets
 *  the subscription and the browser drops it. */
export async function turnOff(userId, token) {
  const registration = await activeRegistration();
  const subscription = await registration?.pushManager.getSubscription().catch(() => null);
  localStorage.removeItem(mine(userId));
  if (!subscription) return "off";
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

/** After signing in: if this device's subscription is this person's, make
 *  sure the server still has it (it forgets subscriptions the push service
 *  refused). Quiet: nothing is asked and nothing is shown. */
export async function refreshSubscription(userId) {
  if (!pushSupported() || Notification.permission !== "granted") return;
  if ((await pushState(userId)) !== "on") return;
  const registration = await activeRegistration();
  const subscription = await registration?.pushManager.getSubscription().catch(() => null);
  if (!subscription) return;
  await api("POST", "/api/push/subscriptions", subscription.toJSON()).catch(() => {});
  await rememberForWorker(subscription.endpoint);
}

/** The endpoint the service worker last knew. */
async function keptForWorker() {
  try {
    const response = await (await caches.open(WORKER_CACHE)).match(WORKER_KEY);
    return (await response?.json())?.endpoint ?? null;
  } catch {
    return null;
  }
}

/** Keeps the endpoint where the service worker can read it (for renewal). */
async function rememberForWorker(endpoint) {
  try {
    const cache = await caches.open(WORKER_CACHE);
    if (endpoint) await cache.put(WORKER_KEY, new Response(JSON.stringify({ endpoint }), { headers: { "content-type": "application/json" } }));
    else await cache.delete(WORKER_KEY);
  } catch {
    // No Cache Storage: renewal then waits for the next sign-in.
  }
}

export function fromBase64Url(text) {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

function sameKey(a, b) {
  if (!a) return false;
  const x = new Uint8Array(a);
  return x.length === b.length && x.every((byte, i) => byte === b[i]);
}

/** The device's time zone (an IANA name), for quiet hours. */
export const deviceTimeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
