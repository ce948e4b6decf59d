// DOM helpers. Every piece of text goes in as a text node: nothing a user
// typed (or the server sent) is ever parsed as HTML.

/** Builds an element: h("button", { class: "primary", onclick }, "Send"). */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value == null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "value" || key === "checked") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces an element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** Says `text` to screen readers through the page's live regions. */
export function announce(text, urgent = false) {
  const region = document.getElementById(urgent ? "alert-region" : "status-region");
  if (!region) return;
  region.textContent = "";
  requestAnimationFrame(() => (region.textContent = text));
}

/** Shows a short notice that disappears by itself. */
export function notice(text) {
  const list = document.getElementById("notices");
  if (!list) return;
  const item = h("p", { class: "notice", role: "status" }, text);
  list.append(item);
  setTimeout(() => item.remove(), 8000);
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const dayFormat = new Intl.DateTimeFormat(undefined, { weekday: "long", day: "numeric", month: "long" });

export const clock = (iso) => timeFormat.format(new Date(iso));

/** "Today", "Yesterday", "Tomorrow" (an expiry) or the date. */
export function dayLabel(iso) {
  const date = new Date(iso);
  const today = new Date();
  const yesterday = new Date(Date.now() - 86_400_000);
  const tomorrow = new Date(Date.now() + 86_400_000);
  if (date.toDateString() === today.toDateString()) return "Today";
  if (date.toDateString() === yesterday.toDateString()) return "Yesterday";
  if (date.toDateString() === tomorrow.toDateString()) return "Tomorrow";
  return dayFormat.format(date);
}

/** How far this device's clock is behind the server's (ms), learnt from
 *  the `serverTime` some events carry; 0 until then (older servers). */
let skew = 0;
export function serverClock(serverTime) {
  const t = Date.parse(serverTime ?? "");
  if (Number.isFinite(t)) skew = t - Date.now();
}
export const serverNow = () => Date.now() + skew;

/** How long since `iso`, by the server's clock, in plain words: "less than
 *  a minute", "2 minutes", "1 hour 5 minutes" (never "just now", so
 *  "Waiting for …" always reads). */
export function waited(iso, now = serverNow()) {
  const seconds = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
  if (seconds < 60) return "less than a minute";
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return plural(minutes, "minute");
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${plural(hours, "hour")} ${plural(minutes % 60, "minute")}` : plural(hours, "hour");
}

export const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

export const TOPICS = {
  emotional: "Feeling low or worried",
  daily: "Daily life",
  health: "Health",
  other: "Something else",
};

export const KINDS = { chat: "Chat", voice: "Voice call", video: "Video call" };

/** The disappearing-message presets the server accepts (null: off, 0: view once). */
export const TIMERS = [
  [null, "Off"],
  [0, "View once"],
  [30, "30 seconds"],
  [300, "5 minutes"],
  [3600, "1 hour"],
  [28800, "8 hours"],
  [86400, "1 day"],
  [604800, "1 week"],
  [2419200, "4 weeks"],
];

export const timerLabel = (secs) => TIMERS.find(([value]) => value === (secs ?? null))?.[1] ?? plural(secs, "second");

export const ROLES = { seeker: "Member", volunteer: "Volunteer", support: "Support" };

/** A small inline icon (decorative: the text next to it carries the meaning). */
export function icon(name) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("class", "icon");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", ICONS[name] ?? "");
  svg.append(path);
  return svg;
}

const ICONS = {
  tick: "M9 16.2 4.8 12l-1.4 1.4L9 19 21 7l-1.4-1.4z",
  clock: "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm1 11h-5v-2h3V6h2z",
  chat: "M4 4h16v12H7l-3 3z",
  help: "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm1 15h-2v-2h2zm0-4h-2V7h2z",
  bell: "M12 22a2 2 0 0 0 2-2h-4a2 2 0 0 0 2 2zm6-6V11a6 6 0 0 0-5-5.9V4h-2v1.1A6 6 0 0 0 6 11v5l-2 2v1h16v-1z",
  reply: "M10 9V5l-7 7 7 7v-4.1c5 0 8.5 1.6 11 5.1-1-5-4-10-11-11z",
  back: "M20 11H7.8l5.6-5.6L12 4l-8 8 8 8 1.4-1.4L7.8 13H20z",
  phone: "M6.6 10.8a15 15 0 0 0 6.6 6.6l2.2-2.2c.3-.3.7-.4 1-.2 1.1.4 2.3.6 3.6.6.6 0 1 .4 1 1V20c0 .6-.4 1-1 1A17 17 0 0 1 3 4c0-.6.4-1 1-1h3.5c.6 0 1 .4 1 1 0 1.3.2 2.5.6 3.6.1.3 0 .7-.2 1z",
  video: "M17 10.5V7a1 1 0 0 0-1-1H4a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1v-3.5l4 4v-11z",
  file: "M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8zm-1 7V3.5L18.5 9z",
  clip: "M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6z",
  mic: "M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5.3-3a5.3 5.3 0 0 1-10.6 0H5a7 7 0 0 0 6 6.9V21h2v-3.1a7 7 0 0 0 6-6.9z",
  hangup: "M12 9c-1.6 0-3.2.3-4.6.7v3.1c0 .4-.2.7-.6.9-1 .5-1.9 1.1-2.7 1.8-.2.2-.4.3-.7.3s-.5-.1-.7-.3L.3 13.1a1 1 0 0 1 0-1.4A16.9 16.9 0 0 1 12 7c4.6 0 8.7 1.8 11.7 4.7.2.2.3.4.3.7s-.1.5-.3.7l-2.5 2.4c-.2.2-.4.3-.7.3s-.5-.1-.7-.3c-.8-.7-1.7-1.3-2.7-1.8-.3-.2-.6-.5-.6-.9V9.7C15.2 9.3 13.6 9 12 9z",
};

/** "0:42", "4:05", "1:02:09" (a call's running time). */
export function duration(totalSecs) {
  const s = Math.max(0, Math.floor(totalSecs));
  const hours = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60));
  const ss = String(s % 60).padStart(2, "0");
  return hours ? `${hours}:${mm.padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
}

/** "4 minutes 12 seconds", for screen readers and the end of a call. */
export function spokenDuration(totalSecs) {
  const s = Math.max(0, Math.round(totalSecs));
  if (s < 60) return plural(s, "second");
  const minutes = Math.floor(s / 60);
  return s % 60 ? `${plural(minutes, "minute")} ${plural(s % 60, "second")}` : plural(minutes, "minute");
}

/** Asks the app to show another path (handled in main.js). */
export function go(path) {
  document.dispatchEvent(new CustomEvent("hl-navigate", { detail: path }));
}

/** Rebuilds `el` with `render()` but keeps focus on the element that has the
 *  same `data-key` afterwards (lists refresh without losing the keyboard). */
export function keepFocus(el, render) {
  const key = document.activeElement?.closest?.("[data-key]")?.dataset.key;
  const within = el.contains(document.activeElement);
  render();
  if (within && key) el.querySelector(`[data-key="${CSS.escape(key)}"]`)?.focus();
}

/** Shows a modal <dialog>: focus goes to `focus` (or its first button), and
 *  when it closes it is removed and focus returns to where it was (or to
 *  `restore()` when that element is gone) unless something else took it. */
export function modal(dialog, { focus, restore } = {}) {
  const opener = document.activeElement;
  document.body.append(dialog);
  dialog.addEventListener("close", () => {
    dialog.remove();
    // Only when nothing else took the focus (another dialog, the composer).
    const lost = !document.activeElement || document.activeElement === document.body;
    if (!lost || document.querySelector("dialog[open]")) return;
    const back = opener?.isConnected ? opener : restore?.();
    back?.focus();
  });
  dialog.showModal();
  (focus ?? dialog.querySelector("button"))?.focus();
  return dialog;
}

/** Asks a yes/no question in a dialog; resolves true for yes. */
export function confirmBox({ title, text, yes, no, restore }) {
  return new Promise((done) => {
    let answer = false;
    const dialog = h(
      "dialog",
      { class: "confirm", "aria-labelledby": "confirm-title", "aria-describedby": "confirm-text" },
      h("h2", { id: "confirm-title" }, title),
      h("p", { id: "confirm-text" }, text),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", class: "danger big", onclick: () => ((answer = true), dialog.close()) }, yes),
        h("button", { type: "button", class: "secondary big", onclick: () => dialog.close() }, no),
      ),
    );
    dialog.addEventListener("close", () => done(answer));
    modal(dialog, { focus: dialog.querySelector(".secondary"), restore });
  });
}
