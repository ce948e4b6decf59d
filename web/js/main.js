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
import "./views/help-dialog.js";
import "./views/debrief.js";
import "./views/checkins.js";
import "./views/welfare.js";
import "./views/caregiving.js";

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
  // A caregiver has their home and Settings only.
  if (role === "caregiver" && path !== "/settings") view = h("hl-caregiver-home");
  else if (chat) view = h("hl-chats", { conversation: decodeURIComponent(chat[1]) });
  else if (path === "/chats") view = h("hl-chats");
  else if (path === "/settings") view = h("hl-settings");
  else if (role === "seeker") view = h("hl-seeker-home");
  else if (role === "volunteer") view = h("hl-volunteer-home");
  else view = h("hl-support-dashboard");
  if ((!chat && path !== "/chats" && path !== "/" && path !== "/settings") || (role === "caregiver" && path !== "/settings" && path !== "/")) history.replaceState(null, "", "/");
  menuOpen = false;
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

// The top bar. On a phone in a chat it is one row (comfort.css): the logo,
// the connection state and a Menu button that shows the rest (Home, Chats,
// Settings, Sign out) as a disclosure: aria-expanded, Escape or a click
// elsewhere closes it, and Escape puts the focus back on Menu. Elsewhere the
// menu's contents are laid out in the bar as before and Menu is not shown.
let menuOpen = false;

function renderTopbar() {
  const user = store.user;
  topbar.hidden = false;
  // Drawn again on every change of the conversations: the focus stays on
  // the same item.
  const focused = topbar.contains(document.activeElement) ? document.activeElement.dataset.key : null;
  const here = (path) => (location.pathname === path || (path === "/chats" && location.pathname.startsWith("/chats/")) ? "page" : null);
  const unread = store.unread;
  const badge = () => (unread ? h("span", { class: "badge" }, String(unread), h("span", { class: "visually-hidden" }, " unread")) : null);
  const links = [h("li", null, h("a", { href: "/", "data-link": true, "data-key": "home", "aria-current": here("/") }, user.role === "support" ? "Dashboard" : "Home"))];
  const caregiver = user.role === "caregiver";
  if (!caregiver) links.push(h("li", null, h("a", { href: "/chats", "data-link": true, "data-key": "chats", "aria-current": here("/chats") }, "Chats", badge())));
  topbar.classList.toggle("in-chat", location.pathname.startsWith("/chats/"));
  topbar.classList.toggle("menu-open", menuOpen);
  fill(
    topbar,
    h("a", { class: "brand", href: "/", "data-link": true, "data-key": "brand" }, h("img", { src: "/icons/icon.svg", alt: "", width: 32, height: 32 }), h("span", { class: "brand-text" }, "Helpline")),
    h(
      "button",
      { type: "button", class: "secondary menu-button", "data-key": "menu", "aria-expanded": String(menuOpen), "aria-controls": "topbar-menu", onclick: () => setMenu(!menuOpen, { focus: !menuOpen }) },
      "Menu",
      badge(),
    ),
    h(
      "div",
      { class: "topbar-menu", id: "topbar-menu" },
      h("nav", { "aria-label": "Main" }, h("ul", null, links)),
      h(
        "div",
        { class: "me" },
        h("span", { class: "me-name" }, user.displayName),
        h("a", { class: "settings-link", href: "/settings", "data-link": true, "data-key": "settings", "aria-current": here("/settings") }, "Settings"),
        h("button", { type: "button", class: "link", "data-key": "signout", onclick: signOutOnPurpose }, "Sign out"),
      ),
    ),
    // A caregiver has no live connection, so no state to show.
    caregiver ? null : connectionPill(),
  );
  if (focused) topbar.querySelector(`[data-key="${focused}"]`)?.focus();
}

/** Opens or closes the top bar's menu (phones: in a chat, or at a large
 *  text size); on opening the focus goes to its first item, on `back` it
 *  returns to Menu. */
function setMenu(open, { focus = false, back = false } = {}) {
  menuOpen = open;
  topbar.classList.toggle("menu-open", open);
  const button = topbar.querySelector(".menu-button");
  button?.setAttribute("aria-expanded", String(open));
  if (open && focus) topbar.querySelector(".topbar-menu a, .topbar-menu button")?.focus();
  if (!open && back) button?.focus();
}

topbar.addEventListener("keydown", (event) => {
  if (event.key !== "Escape" || !menuOpen) return;
  event.preventDefault();
  setMenu(false, { back: true });
});
document.addEventListener("click", (event) => {
  if (!menuOpen || topbar.contains(event.target) || event.target.closest?.("dialog")) return;
  setMenu(false);
});
// Tabbing out of the open menu closes it.
topbar.addEventListener("focusout", (event) => {
  if (menuOpen && event.relatedTarget && !topbar.contains(event.relatedTarget) && !event.relatedTarget.closest?.("dialog")) setMenu(false);
});

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
  return h("p", { class: `conn conn-${kind}`, id: "connection-state", "data-state": store.connection }, h("span", { class: "dot", "aria-hidden": "true" }), h("span", { class: "conn-text" }, text));
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
  if (session.user.role === "caregiver") {
    // No socket, chats or notifications: their home reads GET /api/caregiving.
    store.user = session.user;
    store.token = session.token;
    store.myAlerts = [];
    store.conversations = new Map();
    return route();
  }
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
// Where the person's safety alert stands, under the top bar on every screen.
banner.after(h("hl-help-status"));

addEventListener("load", () => registerWorker());
// A click on a notification, passed on by the service worker (sw.js).
navigator.serviceWorker?.addEventListener("message", (event) => {
  const { type, url } = event.data ?? {};
  if (type === "navigate" && typeof url === "string" && url.startsWith("/") && !url.startsWith("//") && store.user) navigate(url);
});
navigator.serviceWorker?.startMessages?.();
