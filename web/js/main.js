// Boots the app: the signed-in check, the top bar with the connection
// state, the routes, and the dialogs that float above every screen.
// Links from notifications (sw.js) arrive as routes with a query:
// "/?request={id}" shows that waiting request on the volunteer's home, and
// "/chats/{id}?call={callId}" shows the call ringing there, if it still is.

import { forgetShownPhotos } from "./comfort.js";
import { h, fill, announce, confirmBox, plural } from "./dom.js";
import { loadSession, saveSession, clearSession } from "./api.js";
import { forgetAttachments } from "./attachments.js";
import { store } from "./state.js";
import { registerWorker, refreshSubscription, forgetOnSignOut } from "./push.js";
import "./views/auth.js";
import "./views/seeker.js";
import "./views/volunteer.js";
import "./views/chats.js";
import "./views/support.js";
import "./views/settings.js";
import "./views/call-buttons.js";
import "./views/call-incoming.js";
import "./views/call-rejoin.js";
import "./views/call-screen.js";

const main = document.getElementById("main");
const topbar = document.getElementById("topbar");
const banner = document.getElementById("connection-banner");

/** Goes to an app path (with an optional query) without reloading. */
export function navigate(path, { replace = false } = {}) {
  if (path !== location.pathname + location.search) history[replace ? "replaceState" : "pushState"](null, "", path);
  route();
}
document.addEventListener("hl-navigate", (event) => navigate(event.detail));

function route() {
  if (!store.user) {
    document.title = "Sign in – Helpline";
    return show(h("hl-auth"));
  }
  const path = location.pathname;
  const chat = /^\/chats\/([^/]+)$/.exec(path);
  const role = store.user.role;
  let view;
  if (chat) view = h("hl-chats", { conversation: decodeURIComponent(chat[1]) });
  else if (path === "/chats") view = h("hl-chats");
  else if (path === "/settings") view = h("hl-settings");
  else if (role === "seeker") view = h("hl-seeker-home");
  else if (role === "volunteer") view = h("hl-volunteer-home");
  else view = h("hl-support-dashboard");
  if (!chat && path !== "/chats" && path !== "/" && path !== "/settings") history.replaceState(null, "", "/");
  show(view);
  followLink(chat ? decodeURIComponent(chat[1]) : null);
  renderTopbar();
  const tray = document.getElementById("tray-slot");
  const wantTray = role === "volunteer" && location.pathname !== "/";
  if (wantTray && !tray.firstElementChild) tray.append(h("hl-offer-tray"));
  if (!wantTray) tray.replaceChildren();
}

/** A notification's link: the request or the call it names (then the
 *  query goes, so a reload or Back does not repeat it). */
function followLink(conversationId) {
  if (!location.search) return;
  const params = new URLSearchParams(location.search);
  const request = params.get("request");
  const call = params.get("call");
  if (request && store.user.role === "volunteer" && location.pathname === "/") main.querySelector("hl-volunteer-home")?.showRequest(request);
  if (call && conversationId) store.calls.fromLink(call, conversationId);
  history.replaceState(null, "", location.pathname);
}

function show(view) {
  const current = main.firstElementChild;
  if (current?.tagName === view.tagName) {
    if (view.tagName === "HL-CHATS") current.open(view.getAttribute("conversation"));
    return;
  }
  fill(main, view);
  main.scrollTop = 0;
  // Move focus to the new screen's heading so screen readers announce it.
  requestAnimationFrame(() => (main.querySelector("h1") ?? main).focus({ preventScroll: true }));
}

function renderTopbar() {
  const user = store.user;
  topbar.hidden = false;
  const here = (path) => (location.pathname === path || (path === "/chats" && location.pathname.startsWith("/chats/")) ? "page" : null);
  const unread = store.unread;
  const links = [h("li", null, h("a", { href: "/", "data-link": true, "aria-current": here("/") }, user.role === "support" ? "Dashboard" : "Home"))];
  links.push(
    h(
      "li",
      null,
      h(
        "a",
        { href: "/chats", "data-link": true, "aria-current": here("/chats") },
        "Chats",
        unread ? h("span", { class: "badge" }, String(unread), h("span", { class: "visually-hidden" }, " unread")) : null,
      ),
    ),
  );
  fill(
    topbar,
    h("a", { class: "brand", href: "/", "data-link": true }, h("img", { src: "/icons/icon.svg", alt: "", width: 32, height: 32 }), "Helpline"),
    h("nav", { "aria-label": "Main" }, h("ul", null, links)),
    connectionPill(),
    h(
      "div",
      { class: "me" },
      h("span", { class: "me-name" }, user.displayName),
      h("a", { class: "settings-link", href: "/settings", "data-link": true, "aria-current": here("/settings") }, "Settings"),
      h("button", { type: "button", class: "link", onclick: signOutOnPurpose }, "Sign out"),
    ),
  );
}

const STATES = {
  connected: ["Connected", "ok"],
  connecting: ["Connecting…", "wait"],
  reconnecting: ["Reconnecting…", "wait"],
  offline: ["Offline", "off"],
  unauthorized: ["Signed out", "off"],
  closed: ["Not connected", "off"],
};

function connectionPill() {
  const [text, kind] = STATES[store.connection] ?? STATES.closed;
  return h("p", { class: `conn conn-${kind}`, id: "connection-state", "data-state": store.connection }, h("span", { class: "dot", "aria-hidden": "true" }), text);
}

function renderConnection(state) {
  const pill = document.getElementById("connection-state");
  if (pill) pill.replaceWith(connectionPill());
  const text = {
    reconnecting: "Reconnecting… Messages you write now will be sent when the connection is back.",
    offline: "You are offline. Messages you write are kept and sent when you are back online.",
  }[state];
  banner.hidden = !text;
  banner.className = `banner banner-${state}`;
  banner.textContent = text ?? "";
}

function startApp(session) {
  store.start(session);
  route();
  refreshSubscription(session.user.id, session.token).catch(() => {});
}

/** The Sign out button: this device's notifications are turned off first,
 *  while the token still works (the server forgets the subscription and
 *  the browser drops it), so the next person here gets none of them. */
async function signOutOnPurpose(event) {
  const button = event?.currentTarget;
  const unsent = store.outbox?.length ?? 0;
  if (
    unsent &&
    !(await confirmBox({
      title: "Sign out with unsent messages?",
      text: `${plural(unsent, "message")} you wrote ${unsent === 1 ? "has" : "have"} not been sent yet. Signing out deletes ${unsent === 1 ? "it" : "them"} from this device.`,
      yes: "Sign out and delete them",
      no: "Stay signed in",
    }))
  )
    return;
  if (button) {
    button.disabled = true;
    button.textContent = "Signing out…";
  }
  const session = loadSession();
  if (session) {
    await forgetOnSignOut(session.user.id, session.token);
    await forgetWorkerCopy(session.user.id);
  }
  signOut();
}

/** The service worker's copy of this person's push subscription (Cache
 *  Storage), in case turning notifications off could not remove it. */
async function forgetWorkerCopy(userId) {
  try {
    if (!self.caches || !(await caches.has("helpline-push"))) return;
    const cache = await caches.open("helpline-push");
    const kept = await (await cache.match("/push-endpoint"))?.json();
    if (kept?.userId === userId) await cache.delete("/push-endpoint");
  } catch {
    // Cache Storage unavailable: nothing is kept there.
  }
}

function signOut(message) {
  // Signing out on purpose forgets this user's data on the device (a shared
  // computer); an expired session keeps it, so unsent messages go out after
  // signing in again.
  if (typeof message !== "string" && store.user) {
    const prefix = `helpline:${store.user.id}:`;
    for (const key of Object.keys(localStorage)) if (key.startsWith(prefix)) localStorage.removeItem(key);
  }
  store.stop();
  forgetAttachments();
  forgetShownPhotos();
  document.getElementById("tray-slot").replaceChildren();
  clearSession();
  topbar.hidden = true;
  banner.hidden = true;
  document.querySelectorAll("dialog[open]").forEach((d) => d.close());
  history.replaceState(null, "", "/");
  route();
  if (typeof message === "string") announce(message, true);
  if (typeof message === "string") main.querySelector("hl-auth")?.showMessage(message);
}

store.on("connection", renderConnection);
store.on("conversations", () => store.user && renderTopbar());
store.on("signedout", (message) => signOut(message));

document.addEventListener("click", (event) => {
  const link = event.target.closest?.("a[data-link]");
  if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
  event.preventDefault();
  navigate(link.getAttribute("href"));
});
addEventListener("popstate", route);

// The sign-in screen hands over a fresh session.
document.addEventListener("hl-signed-in", (event) => {
  saveSession(event.detail);
  startApp(event.detail);
});

const session = loadSession();
if (session) startApp(session);
else route();

document.body.append(h("hl-request-overlay"), h("hl-rating-dialog"), h("hl-call-incoming"), h("hl-call-screen"));
document.body.prepend(h("hl-call-rejoin"));

addEventListener("load", () => registerWorker());
// A click on a notification, passed on by the service worker (sw.js).
navigator.serviceWorker?.addEventListener("message", (event) => {
  const { type, url } = event.data ?? {};
  if (type === "navigate" && typeof url === "string" && url.startsWith("/") && !url.startsWith("//") && store.user) navigate(url);
});
navigator.serviceWorker?.startMessages?.();
